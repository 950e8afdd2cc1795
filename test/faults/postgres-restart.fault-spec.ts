import { FaultLab } from './support/fault-lab';
import { postJson } from './support/http-client';
import { expectInboundExact, reconcileInbound, sendInbound } from './support/inbound';
import { sendUpdates, UpdateOutcome } from './support/load';
import { sleep, waitFor } from './support/ports';
import { expectExact, reconcile, settle } from './support/reconcile';
import { LOAD, MID_LOAD, report, seedHelpdesk, whenProviderHas } from './support/scenario';
import { postStatusCallback } from './support/webhooks';

const DOWN_MS = 4000;

describe('fault: PostgreSQL restarted mid-load', () => {
  let lab: FaultLab;

  beforeAll(async () => {
    lab = await FaultLab.start('postgres-restart');
  });

  afterAll(() => lab?.stop());

  it('answers 503 with Retry-After while it is down, writes nothing by halves: every SMS sent once, every reply one comment', async () => {
    const api = await lab.service('api');
    await lab.service('worker');
    const account = await seedHelpdesk(lab, api.port);
    const twilio = lab.twilio;

    const load = sendUpdates({ ports: [api.port], account, count: LOAD.updates, label: 'pgrestart' });
    // Half the customer replies come with the load, half while PostgreSQL is down (answered 503, retried like Twilio does).
    const replies = [sendInbound({ lab, ports: [api.port], account, count: LOAD.inbound / 2, label: 'pgrestart-a' })];
    await whenProviderHas(lab, MID_LOAD);
    const sent = await lab.sql<{ id: string; sid: string }>(
      `SELECT id, provider_message_id AS sid FROM sms_messages WHERE provider_message_id IS NOT NULL ORDER BY created_at LIMIT 10`,
    );

    // A crash (no checkpoint, every connection cut), then the same cluster starts again.
    await lab.postgres.stopServer('immediate');
    const down = Date.now();
    replies.push(sendInbound({ lab, ports: [api.port], account, count: LOAD.inbound / 2, label: 'pgrestart-b' }));
    const update = await postJson(api.port, `/api/tickets/${account.tickets[0].id}/updates`, account.token, {
      smsBody: '[pgrestart-down-0] Technician on the way',
    });
    const callbacks = await Promise.all(
      sent.map((row) => postStatusCallback(api.port, twilio.authToken, twilio.accountSid, row, 'delivered')),
    );
    await sleep(Math.max(0, DOWN_MS - (Date.now() - down)));
    await lab.postgres.startServer();
    const up = Date.now();

    expect({ status: update.status, retryAfter: update.headers['retry-after'] }).toEqual({
      status: 503,
      retryAfter: '5',
    });
    expect(JSON.parse(update.body)).toMatchObject({
      statusCode: 503,
      message: expect.stringContaining('database is unavailable'),
    });
    expect(callbacks.map((c) => c.status)).toEqual(sent.map(() => 503));
    // Twilio retries a webhook that got a 503; now each one applies.
    await waitFor(
      'status callbacks answered 200 once PostgreSQL is back',
      async () =>
        Promise.all(
          sent.map((row) => postStatusCallback(api.port, twilio.authToken, twilio.accountSid, row, 'delivered')),
        ),
      (answers) => answers.every((a) => a.status === 200),
      30_000,
      500,
    );

    const outcomes: UpdateOutcome[] = [
      ...(await load),
      { marker: 'pgrestart-down-0', ticketId: account.tickets[0].id, status: update.status, retryAfter: '5' },
    ];
    const failed = outcomes.filter((o) => o.status !== 201);
    // While the database is down a request fails with 503 and Retry-After, never with a 500.
    expect(failed.filter((o) => o.status !== 503 || o.retryAfter !== '5')).toEqual([]);
    const deliveries = (await Promise.all(replies)).flat();
    const webhookFailures = deliveries.flatMap((d) => d.statuses.filter((s) => s !== 200));
    expect(webhookFailures.filter((s) => s !== 503)).toEqual([]);
    await settle(lab, 150_000);
    const delivered = await lab.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM sms_messages WHERE id = ANY($1) AND status = 'delivered'`,
      [sent.map((s) => s.id)],
    );
    report(
      'postgres-restart',
      `down ${((up - down) / 1000).toFixed(1)} s; ${failed.length} ticket updates answered 503 (Retry-After 5), ${webhookFailures.length} inbound deliveries answered 503 ` +
        `and were retried, ${sent.length} status callbacks answered 503 and applied on retry; ` +
        `settled ${((Date.now() - up) / 1000).toFixed(1)} s after the restart`,
    );
    expect(delivered[0].n).toBe(sent.length);
    expectExact(await reconcile(lab, 'postgres-restart', outcomes), lab);
    expectInboundExact('postgres-restart', await reconcileInbound(lab, deliveries), lab);
  });
});
