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
    // All four start at once, as a deploy would start them; the first to get the migration lock migrates.
    const [apis, workers] = await Promise.all([
      Promise.all([lab.service('api', 'api-1'), lab.service('api', 'api-2')]),
      Promise.all([lab.service('worker', 'worker-1'), lab.service('worker', 'worker-2')]),
    ]);
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
    // A job two workers run at once is one whose lock lapsed (stalled) or that started more often than it finished.
    const doubled = jobs.filter((j) => j.stalledCounter > 0 || j.attemptsStarted > j.attemptsMade);
    // A retry after a failed attempt is not that: its transaction rolled back whole (the reasons are listed).
    const retried = jobs.filter((j) => j.attemptsMade > 1);
    const reasons = [...new Set(retried.map((j) => `${j.queueName}: ${(j.stacktrace?.[0] ?? '').split('\n')[0]}`))];
    // Ticket updates the api processes had to run again because PostgreSQL aborted them (a deadlock).
    const rerunUpdates = apis
      .map((a) => (a.tail(100_000).match(/running it again/g) ?? []).length)
      .reduce((x, y) => x + y, 0);
    report(
      'scale-out',
      `${connected} outbound workers connected; worker CPU ${workerCpu.map((s) => `${s.toFixed(1)} s`).join(' and ')}; ` +
        `${posts.length} rows posted to the provider, ${posts.filter((n) => n > 1).length} more than once; ${jobs.length} finished jobs, ` +
        `${doubled.length} run twice at once, ${retried.length} retried after a failed attempt${reasons.length ? ` (${reasons.join('; ')})` : ''}; ` +
        `${rerunUpdates} ticket updates run again after a deadlock`,
    );
    expectExact(r, lab);
    expectInboundExact('scale-out', await reconcileInbound(lab, deliveries), lab);
    expect(connected).toBe(2);
    // Both workers took a real share: each used at least a fifth of the CPU the two used together.
    for (const cpu of workerCpu) expect(cpu).toBeGreaterThan(0.2 * (workerCpu[0] + workerCpu[1]));
    expect(posts.filter((n) => n !== 1)).toEqual([]);
    expect(posts).toHaveLength(r.rows);
    expect(
      doubled.map((j) => ({
        queue: j.queueName,
        id: j.id,
        started: j.attemptsStarted,
        finished: j.attemptsMade,
        stalled: j.stalledCounter,
      })),
    ).toEqual([]);
    // Nothing failed on the way: a technician's update and a customer's reply on one ticket lock in one order, so no deadlocks.
    expect(reasons).toEqual([]);
    expect(rerunUpdates).toBe(0);
  });
});
