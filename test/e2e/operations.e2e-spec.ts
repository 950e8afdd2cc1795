/**
 * What an operator sees: Prometheus metrics at /metrics and the queue dashboard at /queues, both behind the platform
 * token, and each request's id answered back and carried by error answers. Real PostgreSQL, Redis and BullMQ.
 */
import { randomBytes } from 'node:crypto';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { serveWorkerMetrics } from '../../src/operations/worker-metrics';
import { SmsQueue } from '../../src/sms/queues/queues';
import { eventually, PLATFORM_TOKEN, SmsRow, TestAccount, TestApp } from '../support/test-app';

/** One sample of the exposition text: `name{labels} value`, labels in any order. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}

describe('operators: metrics, queue dashboard and request ids', () => {
  let t: TestApp;
  let acme: TestAccount;
  let tiny: TestAccount;
  let phoneSeq = 100;
  const newPhone = () => `+1201555${String(phoneSeq++).padStart(4, '0')}`;

  beforeAll(async () => {
    t = await TestApp.start({ suite: 'operations' });
    acme = await t.account('Acme IT');
    await acme.addNumber('+12025550100');
    // A smaller plan: one credit a month, so its second text waits for credits.
    tiny = await t.account('Tiny IT');
    await t.db.query(`INSERT INTO sms_credit_balances (account_id, monthly_allowance) VALUES ($1, 1)`, [tiny.id]);
    await tiny.addNumber('+12025550101');
    // One segment, one credit each.
    for (const account of [acme, tiny])
      await account
        .put('/api/sms/templates/initial_problem', { body: 'Got your request #{{ticket.number}}.' })
        .expect(200);
  });

  afterAll(() => t?.close());

  const metrics = async () =>
    (await t.http().get('/metrics').set('Authorization', `Bearer ${PLATFORM_TOKEN}`).expect(200)).text;
  const textTo = async (account: TestAccount, phone: string) =>
    account.ticket(await account.customer([{ number: phone, type: 'mobile' }]));
  const settled = (account: TestAccount, ticketId: string, done: (row: SmsRow) => boolean) =>
    eventually(
      () => account.sms(ticketId),
      (rows) => rows.length === 1 && done(rows[0]),
    ).then((rows) => rows[0]);

  it('counts texts by outcome and provider, provider calls and webhooks, credits, held texts and queue depth and lag', async () => {
    const empty = await t.http().get('/metrics').set('Authorization', `Bearer ${PLATFORM_TOKEN}`).expect(200);
    expect(empty.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);

    // Three texts go out, one is refused by Twilio (21211), one waits for credits.
    for (let i = 0; i < 3; i++) {
      const ticket = await textTo(acme, newPhone());
      await settled(acme, ticket.id, (r) => r.status === 'queued');
    }
    const invalid = newPhone();
    t.twilio.rejectRecipient(invalid, 21211);
    await settled(acme, (await textTo(acme, invalid)).id, (r) => r.status === 'failed');
    const tinyPhone = newPhone();
    await settled(tiny, (await textTo(tiny, tinyPhone)).id, (r) => r.status === 'queued');
    const waiting = await tiny.ticket(await tiny.customer([{ number: newPhone(), type: 'mobile' }]));
    await settled(tiny, waiting.id, (r) => r.status === 'held_no_credit');
    // A customer texts back.
    const sid = `SM${randomBytes(16).toString('hex')}`;
    await t
      .postTwilio('/webhooks/twilio/inbound', {
        MessageSid: sid,
        AccountSid: t.twilio.accountSid,
        From: tinyPhone,
        To: '+12025550101',
        Body: 'Thanks',
        NumMedia: '0',
      })
      .expect(200);
    await t.inboundHandled(tinyPhone);

    const text = await metrics();
    const texts = (direction: string, outcome: string) =>
      sample(text, 'ticket_sms_texts_total', { direction, outcome, provider: 'twilio' });
    expect(texts('outbound', 'sent')).toBe(4);
    expect(texts('outbound', 'failed')).toBe(1);
    expect(texts('outbound', 'held_no_credit')).toBe(1);
    expect(texts('inbound', 'received')).toBe(1);
    expect(sample(text, 'ticket_sms_send_duration_seconds_count', { provider: 'twilio', outcome: 'accepted' })).toBe(4);
    expect(sample(text, 'ticket_sms_send_duration_seconds_count', { provider: 'twilio', outcome: 'refused' })).toBe(1);
    expect(
      sample(text, 'ticket_sms_send_duration_seconds_sum', { provider: 'twilio', outcome: 'accepted' }),
    ).toBeGreaterThan(0);
    expect(
      sample(text, 'ticket_sms_webhook_duration_seconds_count', { provider: 'twilio', kind: 'inbound', status: '2xx' }),
    ).toBe(1);
    // Both accounts got their month's credits; five texts were debited, the refused one given back.
    const [{ granted }] = await t.db.query(`SELECT sum(monthly_allowance)::int AS granted FROM sms_credit_balances`);
    expect(sample(text, 'ticket_sms_credits_granted_total', { kind: 'monthly_grant' })).toBe(granted);
    expect(sample(text, 'ticket_sms_credits_spent_total')).toBe(5);
    expect(sample(text, 'ticket_sms_credits_granted_total', { kind: 'refund' })).toBe(1);
    expect(sample(text, 'ticket_sms_held_texts')).toBe(1);
    for (const queue of Object.values(SmsQueue))
      expect(sample(text, 'ticket_sms_queue_jobs', { queue, state: 'waiting' })).toBe(0);
    expect(sample(text, 'ticket_sms_queue_lag_seconds', { queue: 'sms-outbound' })).toBe(0);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);

    // With the outbound queue paused, a new text waits in it: depth 1, and a lag that grows.
    const outbound = t.queue(SmsQueue.Outbound);
    await outbound.pause();
    try {
      const ticket = await textTo(acme, newPhone());
      const [row] = await acme.sms(ticket.id);
      await eventually(
        () => outbound.getJobState(row.id),
        (state) => state === 'waiting',
      );
      const paused = await metrics();
      expect(sample(paused, 'ticket_sms_queue_jobs', { queue: 'sms-outbound', state: 'waiting' })).toBe(1);
      expect(sample(paused, 'ticket_sms_queue_lag_seconds', { queue: 'sms-outbound' })).toBeGreaterThan(0);
      await outbound.resume();
      await settled(acme, ticket.id, (r) => r.status === 'queued');
      expect(
        sample(await metrics(), 'ticket_sms_texts_total', {
          direction: 'outbound',
          outcome: 'sent',
          provider: 'twilio',
        }),
      ).toBe(5);
    } finally {
      await outbound.resume();
    }
  });

  it('refuses /metrics without the platform token, or with another one', async () => {
    const none = await t.http().get('/metrics').expect(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(none.text).not.toContain('ticket_sms_');
    await t.http().get('/metrics').set('Authorization', 'Bearer not-the-platform-token-at-all').expect(401);
    await t.http().get('/metrics').set('Authorization', `Bearer ${acme.adminToken}`).expect(401);
  });

  it('lets a worker, which serves no HTTP, answer GET /metrics on METRICS_PORT, behind the same token', async () => {
    const worker = await t.sibling('worker');
    expect(await serveWorkerMetrics(worker.app, worker.env)).toBeNull(); // no METRICS_PORT: none
    const served = (await serveWorkerMetrics(worker.app, worker.env, 0))!;
    try {
      const base = `http://127.0.0.1:${(served.address() as AddressInfo).port}`;
      await request(base).get('/metrics').expect(401);
      const text = (await request(base).get('/metrics').set('Authorization', `Bearer ${PLATFORM_TOKEN}`).expect(200))
        .text;
      expect(sample(text, 'ticket_sms_queue_jobs', { queue: 'sms-outbound', state: 'waiting' })).toBe(0);
      await request(base).get('/api/sms/templates').expect(404);
    } finally {
      served.close();
      await worker.close();
    }
  });

  it('serves the queue dashboard to the platform token only, listing every queue', async () => {
    const refused = await t.http().get('/queues').expect(401);
    expect(refused.headers['www-authenticate']).toMatch(/^Basic/);
    await t.http().get('/queues/api/queues').expect(401);
    await t.http().get('/queues/api/queues').set('Authorization', `Bearer ${acme.adminToken}`).expect(401);

    // A browser sends the token as the basic-auth password it prompted for.
    const page = await t.http().get('/queues').auth('operator', PLATFORM_TOKEN).expect(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    // Its script comes from under the same path, which the browser asks for with the same credentials.
    const src = /<script[^>]+src="([^"]+\.js)"/.exec(page.text)?.[1] ?? '';
    const script = new URL(src, 'http://operator.test/queues/').pathname;
    expect(script).toMatch(/^\/queues\/.+\.js$/);
    await t.http().get(script).auth('operator', PLATFORM_TOKEN).expect(200);
    await t.http().get(script).expect(401);
    const listed = await t
      .http()
      .get('/queues/api/queues')
      .set('Authorization', `Bearer ${PLATFORM_TOKEN}`)
      .expect(200);
    const names = (listed.body.queues as { name: string }[]).map((q) => q.name).sort();
    expect(names).toEqual(Object.values(SmsQueue).sort());
  });

  it("answers each request's id as X-Request-Id, the caller's own when it sends a plain one, and puts it in error answers", async () => {
    const own = await acme.get('/api/tickets/not-a-ticket').set('X-Request-Id', 'lb-7f3a9c-0001').expect(400);
    expect(own.headers['x-request-id']).toBe('lb-7f3a9c-0001');
    expect(own.body).toMatchObject({ statusCode: 400, requestId: 'lb-7f3a9c-0001' });

    const fresh = await t.http().get('/api/sms/templates').expect(401);
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(fresh.body.requestId).toBe(fresh.headers['x-request-id']);

    // Not a plain token (spaces, a line break, too long): replaced, never echoed.
    const odd = await acme
      .get('/api/tickets/not-a-ticket')
      .set('X-Request-Id', `x${'y'.repeat(200)}`)
      .expect(400);
    expect(odd.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);

    const ok = await acme.get('/api/sms/templates').expect(200);
    expect(ok.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(ok.body.requestId).toBeUndefined();
  });
});
