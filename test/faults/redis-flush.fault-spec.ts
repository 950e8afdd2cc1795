import { FaultLab } from './support/fault-lab';
import { expectInboundExact, reconcileInbound, sendInbound } from './support/inbound';
import { waitFor } from './support/ports';
import { sendUpdates } from './support/load';
import { expectExact, reconcile, settle } from './support/reconcile';
import { expectAllAnswered201, LOAD, MID_LOAD, report, seedHelpdesk, whenProviderHas } from './support/scenario';

describe('fault: Redis flushed (FLUSHALL) mid-load', () => {
  let lab: FaultLab;

  beforeAll(async () => {
    lab = await FaultLab.start('redis-flush');
  });

  afterAll(() => lab?.stop());

  it('rebuilds the lost jobs from the rows in PostgreSQL: every SMS sent once, every reply one comment', async () => {
    const api = await lab.service('api');
    const worker = await lab.service('worker');
    const account = await seedHelpdesk(lab, api.port);

    // Twilio's usual answer time: sends in flight, and a backlog waiting behind them, are in Redis when it is flushed.
    lab.twilio.setLatency(250);
    const load = sendUpdates({ ports: [api.port], account, count: LOAD.updates, label: 'flush' });
    // Half the customer replies come with the load, half just before the flush (their jobs are lost with it).
    const replies = [sendInbound({ lab, ports: [api.port], account, count: LOAD.inbound / 2, label: 'flush-a' })];
    await whenProviderHas(lab, MID_LOAD - 100);
    replies.push(sendInbound({ lab, ports: [api.port], account, count: LOAD.inbound / 2, label: 'flush-b' }));
    await whenProviderHas(lab, MID_LOAD);
    const waiting = () =>
      lab.sql<{ outbound: number; inbound: number }>(
        `SELECT count(*) FILTER (WHERE direction = 'outbound' AND status IN ('pending', 'submitting'))::int AS outbound,
                count(*) FILTER (WHERE direction = 'inbound' AND status = 'received')::int AS inbound FROM sms_messages`,
      );
    const [lost] = await waitFor(
      'a backlog of texts waiting for their jobs',
      waiting,
      ([w]) => w.outbound >= 30,
      60_000,
    );
    await lab.redis.flushAll();
    const flushed = Date.now();
    const jobsLeft = await lab.jobsInFlight('sms-outbound', 'sms-inbound', 'sms-maintenance');

    const outcomes = await load;
    expectAllAnswered201(lab, outcomes);
    const deliveries = (await Promise.all(replies)).flat();
    await settle(lab, 150_000);
    // The flush took the sweep's schedule too; the worker put it back (without it nothing would have rebuilt the lost jobs).
    expect(await lab.queue('sms-maintenance').getJobScheduler('SweepOutbox')).toBeDefined();
    const rescheduled = worker.tail(100_000).includes('the outbox sweep schedule was gone from Redis');
    report(
      'redis-flush',
      `flushed with ${lost.outbound} texts and ${lost.inbound} replies waiting for their jobs (${jobsLeft} jobs left right after the flush); ` +
        `${rescheduled ? 'the worker put the sweep schedule back; ' : ''}` +
        `all settled ${((Date.now() - flushed) / 1000).toFixed(1)} s after the flush`,
    );
    expectExact(await reconcile(lab, 'redis-flush', outcomes), lab);
    expectInboundExact('redis-flush', await reconcileInbound(lab, deliveries), lab);
  });
});
