import { FaultLab } from './support/fault-lab';
import { expectInboundExact, reconcileInbound, sendInbound } from './support/inbound';
import { sendUpdates } from './support/load';
import { sleep } from './support/ports';
import { expectExact, reconcile, settle } from './support/reconcile';
import { atProvider, expectAllAnswered201, LOAD, report, seedHelpdesk, whenProviderHas } from './support/scenario';

describe('fault: a worker process killed with SIGKILL mid-load', () => {
  let lab: FaultLab;

  beforeAll(async () => {
    lab = await FaultLab.start('worker-sigkill');
  });

  afterAll(() => lab?.stop());

  it('sends every SMS exactly once and makes every reply exactly one comment after the worker is killed and restarted', async () => {
    const api = await lab.service('api');
    const worker = await lab.service('worker');
    const account = await seedHelpdesk(lab, api.port);

    const load = sendUpdates({ ports: [api.port], account, count: LOAD.updates, label: 'sigkill' });
    // Half the customer replies come with the load, half just before the worker dies (some are mid-processing then).
    const replies = [sendInbound({ lab, ports: [api.port], account, count: LOAD.inbound / 2, label: 'sigkill-a' })];
    await whenProviderHas(lab, 700);
    replies.push(sendInbound({ lab, ports: [api.port], account, count: LOAD.inbound / 2, label: 'sigkill-b' }));
    await whenProviderHas(lab, 800);
    await worker.kill();
    const [cut] = await lab.sql<{ sending: number; receiving: number }>(
      `SELECT count(*) FILTER (WHERE status = 'submitting')::int AS sending, count(*) FILTER (WHERE status = 'received')::int AS receiving FROM sms_messages`,
    );
    const atKill = atProvider(lab);
    await sleep(1000);
    await lab.relaunch(worker);
    const restarted = Date.now();

    const outcomes = await load;
    expectAllAnswered201(lab, outcomes);
    const deliveries = (await Promise.all(replies)).flat();
    await settle(lab, 150_000);
    report('worker-sigkill', `killed with ${atKill} texts at the provider, ${cut.sending} mid-hand-off, ${cut.receiving} replies unprocessed; settled ${((Date.now() - restarted) / 1000).toFixed(1)} s after the restart`);
    expectExact(await reconcile(lab, 'worker-sigkill', outcomes), lab);
    expectInboundExact('worker-sigkill', await reconcileInbound(lab, deliveries), lab);
  });
});
