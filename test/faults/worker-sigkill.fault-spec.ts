import { FaultLab } from './support/fault-lab';
import { expectInboundExact, reconcileInbound, sendInbound } from './support/inbound';
import { sendUpdates } from './support/load';
import { sleep } from './support/ports';
import { expectExact, reconcile, settle } from './support/reconcile';
import {
  atProvider,
  expectAllAnswered201,
  LOAD,
  MID_LOAD,
  report,
  seedHelpdesk,
  whenProviderHas,
} from './support/scenario';

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

    // Twilio takes a while to answer: the kill then finds texts mid-call, created at the provider but not yet recorded.
    lab.twilio.setLatency(500);
    const load = sendUpdates({ ports: [api.port], account, count: LOAD.updates, label: 'sigkill' });
    // Half the customer replies come with the load, half just before the worker dies (some are mid-processing then).
    const replies = [sendInbound({ lab, ports: [api.port], account, count: LOAD.inbound / 2, label: 'sigkill-a' })];
    await whenProviderHas(lab, MID_LOAD - 100);
    replies.push(sendInbound({ lab, ports: [api.port], account, count: LOAD.inbound / 2, label: 'sigkill-b' }));
    await whenProviderHas(lab, MID_LOAD);
    await worker.kill();
    const killedAt = Date.now();
    const midCall = (await lab.sql<{ id: string }>(`SELECT id FROM sms_messages WHERE status = 'submitting'`)).map(
      (r) => r.id,
    );
    const [cut] = await lab.sql<{ receiving: number }>(
      `SELECT count(*)::int AS receiving FROM sms_messages WHERE status = 'received'`,
    );
    const atKill = atProvider(lab);
    await sleep(1000);
    await lab.relaunch(worker);
    const restarted = Date.now();

    const outcomes = await load;
    expectAllAnswered201(lab, outcomes);
    const deliveries = (await Promise.all(replies)).flat();
    await settle(lab, 150_000);
    const createdBeforeKill = lab.twilio
      .sentMessages()
      .filter((m) => m.request.time <= killedAt && midCall.some((id) => m.statusCallback?.endsWith(id))).length;
    report(
      'worker-sigkill',
      `killed with ${atKill} texts at the provider, ${midCall.length} mid-hand-off (${createdBeforeKill} of them already created at the provider), ` +
        `${cut.receiving} replies unprocessed; settled ${((Date.now() - restarted) / 1000).toFixed(1)} s after the restart`,
    );
    expect(midCall.length).toBeGreaterThan(0);
    expectExact(await reconcile(lab, 'worker-sigkill', outcomes), lab);
    expectInboundExact('worker-sigkill', await reconcileInbound(lab, deliveries), lab);
  });
});
