import { FaultLab } from './support/fault-lab';
import { expectInboundExact, reconcileInbound, sendInbound } from './support/inbound';
import { sendUpdates } from './support/load';
import { expectExact, reconcile, settle } from './support/reconcile';
import { expectAllAnswered201, LOAD, report, seedHelpdesk } from './support/scenario';

describe('fault: two api and two worker processes on one Redis and one PostgreSQL', () => {
  let lab: FaultLab;

  beforeAll(async () => {
    lab = await FaultLab.start('scale-out');
  });

  afterAll(() => lab?.stop());

  it('runs every job once: every SMS sent once, every reply one comment', async () => {
    const apis = [await lab.service('api'), await lab.service('api')];
    const workers = [await lab.service('worker'), await lab.service('worker')];
    const account = await seedHelpdesk(lab, apis[0].port);
    const cpuBefore = workers.map((w) => w.cpuSeconds());

    const ports = apis.map((a) => a.port);
    const [outcomes, deliveries] = await Promise.all([
      sendUpdates({ ports, account, count: LOAD.updates, label: 'scale' }),
      sendInbound({ lab, ports, account, count: LOAD.inbound, label: 'scale' }),
    ]);
    expectAllAnswered201(lab, outcomes);
    await settle(lab, 150_000);
    const workerCpu = workers.map((w, i) => w.cpuSeconds() - cpuBefore[i]);
    const connected = (await lab.queue('sms-outbound').getWorkers()).length;
    const r = await reconcile(lab, 'scale-out', outcomes);
    const posts = [...r.attemptsPerRow.values()];
    const jobs = [
      ...(await lab.queue('sms-outbound').getJobs(['completed', 'failed'])),
      ...(await lab.queue('sms-inbound').getJobs(['completed', 'failed'])),
    ];
    const rerun = jobs.filter((j) => j.attemptsStarted > 1 || j.stalledCounter > 0);
    report(
      'scale-out',
      `${connected} outbound workers connected; worker CPU ${workerCpu.map((s) => `${s.toFixed(1)} s`).join(' and ')}; ` +
        `${posts.length} rows posted to the provider, ${posts.filter((n) => n > 1).length} more than once; ${jobs.length} finished jobs, ${rerun.length} run more than once`,
    );
    expectExact(r, lab);
    expectInboundExact('scale-out', await reconcileInbound(lab, deliveries), lab);
    expect(connected).toBe(2);
    // Both workers took a real share: each used at least a fifth of the CPU the two used together.
    for (const cpu of workerCpu) expect(cpu).toBeGreaterThan(0.2 * (workerCpu[0] + workerCpu[1]));
    expect(posts.filter((n) => n !== 1)).toEqual([]);
    expect(posts).toHaveLength(r.rows);
    expect(rerun.map((j) => j.id)).toEqual([]);
  });
});
