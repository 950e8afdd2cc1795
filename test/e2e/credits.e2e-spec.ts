import { DateTime } from 'luxon';
import { Clock } from '../../src/sms';
import { SmsQueue } from '../../src/sms/queues/queues';
import { eventually, SmsRow, TestAccount, TestApp } from '../support/test-app';

/** The module's clock, moved forward at will (a new month); it keeps running from there. */
class MovableClock extends Clock {
  private offsetMs = 0;
  override now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  moveTo(at: Date): void {
    this.offsetMs = at.getTime() - Date.now();
  }
}

interface Row extends SmsRow {
  credits: number;
  part: { index: number; count: number };
}

interface Entry {
  id: string;
  kind: string;
  bucket: string;
  amount: number;
  period: string;
  messageId: string | null;
  userId: string | null;
}

const DAY_MS = 86_400_000;
// Three GSM-7 segments once the ticket_update template wraps it.
const LONG_UPDATE =
  'We replaced the fuser unit and the pickup rollers on the second-floor printer, cleaned the paper path and updated the firmware to the latest release. ' +
  'Test pages print cleanly from every tray. If you still see streaks or paper jams, reply to this text with a photo of a test page and we will come back the same day. ' +
  'The old parts are in a box next to the printer in case your accountant wants them.';

describe('SMS credits', () => {
  const clock = new MovableClock();
  let t: TestApp;
  let numberSeq = 400;

  beforeAll(async () => {
    t = await TestApp.start({ suite: 'credits', customize: (b) => b.overrideProvider(Clock).useValue(clock) });
  });

  afterAll(() => t?.close());

  beforeEach(() => t.twilio.reset());

  /** An account with a number, a one-segment initial text and a customer; `allowance` as a smaller plan would set it. */
  async function setUp(name: string, options: { ageDays?: number; allowance?: number; timezone?: string } = {}) {
    const subscribedAt = new Date(clock.now().getTime() - (options.ageDays ?? 60) * DAY_MS).toISOString();
    const account = await t.account(name, {
      subscribedAt,
      ...(options.timezone ? { timezone: options.timezone } : {}),
    });
    if (options.allowance !== undefined) {
      await t.db.query(`INSERT INTO sms_credit_balances (account_id, monthly_allowance) VALUES ($1, $2)`, [
        account.id,
        options.allowance,
      ]);
    }
    await account.addNumber(`+1202555${String(numberSeq++).padStart(4, '0')}`, 'Front desk');
    await account.put('/api/sms/templates/initial_problem', { body: 'Ticket #{{ticket.number}} is open.' }).expect(200);
    const mobile = `+1201555${String(numberSeq++).padStart(4, '0')}`;
    const customerId = await account.customer([{ number: mobile, type: 'mobile' }]);
    return { account, mobile, customerId, subscribedAt };
  }

  const credits = async (account: TestAccount) => (await account.get('/api/sms/credits').expect(200)).body;
  const entries = async (account: TestAccount, query = ''): Promise<Entry[]> =>
    (await account.get(`/api/sms/credits/ledger${query}`).expect(200)).body.entries;
  const ledgerSum = async (account: TestAccount): Promise<number> =>
    (
      await t.db.query(`SELECT coalesce(sum(amount), 0)::int AS sum FROM sms_credit_entries WHERE account_id = $1`, [
        account.id,
      ])
    )[0].sum;
  const rows = async (account: TestAccount, ticketId: string) => (await account.sms(ticketId)) as Row[];
  const settled = (account: TestAccount, ticketId: string, count: number) =>
    eventually(
      () => rows(account, ticketId),
      (r) => r.length >= count && r.every((m) => !['pending', 'submitting'].includes(m.status)),
    );
  const update = async (account: TestAccount, ticketId: string, smsBody: string) =>
    (await account.post(`/api/tickets/${ticketId}/updates`, { smsBody }).expect(201)).body.smsMessageIds as string[];

  it('shows a new account its monthly allowance, the period in its time zone and when packs can be bought', async () => {
    const { account, subscribedAt } = await setUp('Newco', { ageDays: 3, timezone: 'America/Los_Angeles' });
    const now = DateTime.fromJSDate(clock.now(), { zone: 'America/Los_Angeles' });

    const body = await credits(account);

    expect(body).toEqual({
      metered: true,
      monthlyAllowance: 200,
      monthlyRemaining: 200,
      addonRemaining: 0,
      remaining: 200,
      period: {
        key: now.toFormat('yyyy-MM'),
        start: now.startOf('month').toUTC().toISO(),
        end: now.startOf('month').plus({ months: 1 }).toUTC().toISO(),
        timezone: 'America/Los_Angeles',
      },
      heldMessages: 0,
      alerts: [],
      purchase: {
        eligible: false,
        eligibleFrom: DateTime.fromISO(subscribedAt, { zone: 'America/Los_Angeles' })
          .plus({ days: 30 })
          .toUTC()
          .toISO(),
        reason: expect.stringMatching(
          /^Credit packs can be bought from \d{4}-\d\d-\d\d \d\d:\d\d \(America\/Los_Angeles\)/,
        ),
        creditsPerPack: 2500,
        maxPacks: 100,
      },
    });
    expect(await entries(account)).toEqual([
      expect.objectContaining({
        kind: 'monthly_grant',
        bucket: 'monthly',
        amount: 200,
        period: now.toFormat('yyyy-MM'),
      }),
    ]);
  });

  it('refuses a purchase before 30 days with the date it becomes possible, and adds nothing', async () => {
    const { account, subscribedAt } = await setUp('Youngco', { ageDays: 29 });
    const eligibleFrom = DateTime.fromISO(subscribedAt, { zone: 'America/New_York' }).plus({ days: 30 });

    const refused = await account.post('/api/sms/credits/purchases', { packs: 1 }).expect(403);

    expect(refused.body.message).toContain(`Credit packs can be bought from ${eligibleFrom.toFormat('yyyy-MM-dd')}`);
    expect(refused.body.eligibleFrom).toBe(eligibleFrom.toUTC().toISO());
    expect(await credits(account)).toMatchObject({ addonRemaining: 0, remaining: 200 });
    expect((await entries(account)).map((e) => e.kind)).toEqual(['monthly_grant']);
  });

  it('keeps credits to admins and refuses malformed purchases with the reason', async () => {
    const { account } = await setUp('Strictco');
    const tech = await account.technician();
    for (const path of ['/api/sms/credits', '/api/sms/credits/ledger', '/api/sms/credits/usage'])
      await account.get(path, tech.token).expect(403);
    await account.post('/api/sms/credits/purchases', { packs: 1 }, tech.token).expect(403);
    await t.http().get('/api/sms/credits').expect(401);

    for (const packs of [0, 101, 2.5, '3', null]) {
      const res = await account.post('/api/sms/credits/purchases', { packs }).expect(400);
      expect(JSON.stringify(res.body.message)).toMatch(/packs/);
    }
    await account.post('/api/sms/credits/purchases', { packs: 1, price: 0 }).expect(400);
    const badKey = await t
      .http()
      .post('/api/sms/credits/purchases')
      .set('Authorization', `Bearer ${account.adminToken}`)
      .set('Idempotency-Key', 'has a space')
      .send({ packs: 1 })
      .expect(400);
    expect(badKey.body.message).toMatch(/Idempotency-Key/);
    expect(await credits(account)).toMatchObject({ addonRemaining: 0 });
  });

  it('debits one credit per segment when Twilio takes the text, monthly credits first and then add-on credits', async () => {
    const { account, customerId } = await setUp('Meterco', { allowance: 2 });
    await account.put('/api/sms/settings', { splitMode: 'concatenate' }).expect(200);
    const ticket = await account.ticket(customerId);
    const [initial] = await settled(account, ticket.id, 1);
    expect(initial).toMatchObject({ status: 'queued', segments: 1, credits: 1 });
    await account.buyCredits(1);

    const [id] = await update(account, ticket.id, LONG_UPDATE);
    const long = (await settled(account, ticket.id, 2)).find((r) => r.id === id)!;

    expect(long).toMatchObject({ status: 'queued', segments: 3, credits: 3 });
    const debits = (await entries(account)).filter((e) => e.messageId === id);
    expect(debits.map((e) => [e.kind, e.bucket, e.amount]).sort()).toEqual([
      ['debit', 'addon', -2],
      ['debit', 'monthly', -1],
    ]);
    expect(await credits(account)).toMatchObject({
      monthlyRemaining: 0,
      addonRemaining: 2498,
      remaining: 2498,
      alerts: [],
    });
    expect(await ledgerSum(account)).toBe(2498);
  });

  it('gives the credits back when Twilio refuses a text, and charges nothing for an opted-out number', async () => {
    const { account } = await setUp('Refundco');
    t.twilio.rejectRecipient('+12015559001', 21211).rejectRecipient('+12015559002', 21610);
    const invalid = await account.ticket(await account.customer([{ number: '+12015559001', type: 'mobile' }]));
    const optedOut = await account.ticket(await account.customer([{ number: '+12015559002', type: 'mobile' }]));

    const [a] = await settled(account, invalid.id, 1);
    const [b] = await settled(account, optedOut.id, 1);

    expect(a).toMatchObject({ status: 'failed', errorCode: '21211', credits: 0 });
    expect(b).toMatchObject({ status: 'opted_out', errorCode: '21610', credits: 0 });
    const byMessage = (await entries(account)).filter((e) => e.messageId);
    expect(byMessage.map((e) => [e.messageId, e.kind, e.amount]).sort()).toEqual(
      [
        [a.id, 'debit', -1],
        [a.id, 'refund', 1],
        [b.id, 'debit', -1],
        [b.id, 'refund', 1],
      ].sort(),
    );
    expect(await credits(account)).toMatchObject({ remaining: 200 });
    expect(await ledgerSum(account)).toBe(200);
  });

  it('charges a text once however often its hand-off is retried or looked up', async () => {
    const { account, customerId } = await setUp('Retryco');
    const ticket = await account.ticket(customerId);
    await settled(account, ticket.id, 1);
    t.twilio.failNext(2, { status: 429 });
    const [retried] = await update(account, ticket.id, 'After two 429s.');
    await settled(account, ticket.id, 2);
    t.twilio.hangNext(1, { createdAnyway: true });
    const [timedOut] = await update(account, ticket.id, 'After a timeout that sent it anyway.');

    const after = await settled(account, ticket.id, 3);
    // The timed-out one is found at Twilio by the lookup, already `sent` there.
    expect(after.slice(1).map((r) => [r.id, r.status, r.credits])).toEqual([
      [retried, 'queued', 1],
      [timedOut, 'sent', 1],
    ]);
    expect(t.twilio.sentMessages().filter((m) => m.body.includes(': After '))).toHaveLength(2);
    const charged = (await entries(account)).filter((e) => e.messageId === retried || e.messageId === timedOut);
    expect(charged.map((e) => [e.messageId, e.kind, e.amount]).sort()).toEqual(
      [
        [retried, 'debit', -1],
        [timedOut, 'debit', -1],
      ].sort(),
    );
    expect(await credits(account)).toMatchObject({ remaining: 197 });
  });

  it('holds texts when the credits run out, without retrying, and sends them after a purchase; a repeated purchase buys once', async () => {
    const { account, customerId, mobile } = await setUp('Heldco', { allowance: 2 });
    const ticket = await account.ticket(customerId);
    await settled(account, ticket.id, 1);
    await update(account, ticket.id, 'First: we are on it.');
    const [second] = await update(account, ticket.id, 'Second: parts ordered.');
    const [third] = await update(account, ticket.id, 'Third: parts arrived.');

    const held = await settled(account, ticket.id, 4);
    expect(held.map((r) => r.status)).toEqual(['queued', 'queued', 'held_no_credit', 'held_no_credit']);
    expect(held[2]).toMatchObject({ id: second, credits: 0, reason: 'Waiting for SMS credits: needs 1, 0 left' });
    expect(held[3]).toMatchObject({ id: third, reason: 'Waiting for SMS credits: needs 1, 0 left' });
    const empty = await credits(account);
    expect(empty).toMatchObject({ remaining: 0, heldMessages: 2 });
    expect(empty.alerts).toEqual([{ code: 'none_left', message: expect.stringContaining('2 SMS wait for credits') }]);
    // Their jobs completed, and a sweep since found nothing to release: no retries while nothing changes.
    await t.jobEnds(SmsQueue.Outbound, second);
    await t.jobEnds(SmsQueue.Outbound, third);
    await t.sweeps(1);
    expect(t.twilio.sendAttempts()).toHaveLength(2);
    expect((await rows(account, ticket.id)).map((r) => r.status)).toEqual([
      'queued',
      'queued',
      'held_no_credit',
      'held_no_credit',
    ]);

    const buy = () =>
      t
        .http()
        .post('/api/sms/credits/purchases')
        .set('Authorization', `Bearer ${account.adminToken}`)
        .set('Idempotency-Key', 'order-4711');
    const invoiced = await buy().send({ packs: 1 }).expect(202);
    expect(invoiced.body).toMatchObject({ status: 'pending', purchase: { packs: 1, credits: 2500 }, replayed: false });
    // Nothing is credited until the platform has the payment.
    expect(await credits(account)).toMatchObject({ addonRemaining: 0 });
    const markPaid = () => t.platform().post(`/api/platform/invoices/${invoiced.body.reference}/paid`).expect(200);
    const paid = await markPaid();
    expect(paid.body).toMatchObject({ accountId: account.id, packs: 1, credits: 2500, credited: true });

    const after = await settled(account, ticket.id, 4);
    expect(after.map((r) => [r.status, r.credits])).toEqual([
      ['queued', 1],
      ['queued', 1],
      ['queued', 1],
      ['queued', 1],
    ]);
    expect(after[2].reason).toBeNull();
    expect(
      t.twilio
        .sentMessages()
        .filter((m) => m.to === mobile)
        .map((m) => m.body),
    ).toEqual(
      expect.arrayContaining([
        expect.stringContaining('Second: parts ordered.'),
        expect.stringContaining('Third: parts arrived.'),
      ]),
    );
    expect(after.find((r) => r.id === third)!.status).toBe('queued');

    const again = await buy().send({ packs: 1 }).expect(201);
    expect(again.body).toMatchObject({ status: 'paid', purchase: { id: paid.body.entryId }, replayed: true });
    expect((await markPaid()).body).toMatchObject({ credited: false, entryId: paid.body.entryId });
    const conflict = await buy().send({ packs: 2 }).expect(409);
    expect(conflict.body.message).toMatch(/Idempotency-Key was used for a purchase of 1 packs/);
    expect(await credits(account)).toMatchObject({
      monthlyRemaining: 0,
      addonRemaining: 2498,
      heldMessages: 0,
      alerts: [],
    });
    expect(await ledgerSum(account)).toBe(2498);
    expect((await entries(account)).filter((e) => e.kind === 'purchase')).toHaveLength(1);
  });

  it('sends a split text that waited for credits whole and in order once credits arrive; a newer text queues behind it', async () => {
    const { account, customerId, mobile } = await setUp('Splitheld', { allowance: 2 });
    const ticket = await account.ticket(customerId);
    await settled(account, ticket.id, 1);
    t.twilio.reset();
    t.twilio.setLatency(150);

    const ids = await update(account, ticket.id, LONG_UPDATE);
    expect(ids).toHaveLength(3);
    await eventually(
      () => rows(account, ticket.id),
      (r) => r[1]?.status === 'held_no_credit',
    );
    expect((await rows(account, ticket.id))[1].reason).toBe('Waiting for SMS credits: needs 3, 1 left');
    // One credit is left and this text costs one, but it must not overtake the older one.
    const [short] = await update(account, ticket.id, 'Short one.');
    await eventually(
      () => rows(account, ticket.id),
      (r) => r.find((m) => m.id === short)?.status === 'held_no_credit',
    );
    expect((await rows(account, ticket.id)).find((m) => m.id === short)!.reason).toBe(
      'Waiting for SMS credits behind older texts that wait for credits',
    );
    // The held texts' jobs have ended (the later parts have none yet), and a sweep since released nothing.
    await t.jobEnds(SmsQueue.Outbound, ids[0]);
    await t.jobEnds(SmsQueue.Outbound, short);
    await t.sweeps(1);
    expect(t.twilio.sendAttempts()).toHaveLength(0);
    expect((await rows(account, ticket.id)).slice(1).map((r) => r.status)).toEqual([
      'held_no_credit',
      'pending',
      'pending',
      'held_no_credit',
    ]);

    await account.buyCredits(1);
    const after = (await settled(account, ticket.id, 5)).slice(1);
    expect(after.map((r) => [r.part.index, r.status, r.credits])).toEqual([
      [1, 'queued', 1],
      [2, 'queued', 1],
      [3, 'queued', 1],
      [1, 'queued', 1],
    ]);
    const parts = after.slice(0, 3);
    expect(
      t.twilio
        .sentMessages()
        .filter((m) => m.to === mobile && / \(\d\/3\)$/.test(m.body))
        .map((m) => m.body),
    ).toEqual(parts.map((p) => p.body));
    expect(await credits(account)).toMatchObject({ monthlyRemaining: 0, addonRemaining: 2497 });
    expect(await ledgerSum(account)).toBe(2497);
  });

  it('reports usage per day, user and kind, and lists the ledger by period and dates', async () => {
    const { account, customerId } = await setUp('Usageco', { timezone: 'Europe/London' });
    const tech = await account.technician('Tess Tech');
    const ticket = await account.ticket(customerId, tech.token);
    await settled(account, ticket.id, 1);
    await account.post(`/api/tickets/${ticket.id}/updates`, { smsBody: 'From the admin.' }).expect(201);
    await account.post(`/api/tickets/${ticket.id}/updates`, { smsBody: 'From the tech.' }, tech.token).expect(201);
    await settled(account, ticket.id, 3);

    const byUser = (await account.get('/api/sms/credits/usage?groupBy=user').expect(200)).body;
    const techRow = byUser.rows.find((r: { key: string }) => r.key === tech.id);
    expect(techRow).toMatchObject({ outboundMessages: 2, outboundSegments: 2, credits: 2, inboundMessages: 0 });
    expect(byUser.total).toMatchObject({ outboundMessages: 3, credits: 3 });
    const byKind = (await account.get('/api/sms/credits/usage?groupBy=kind').expect(200)).body;
    expect(byKind.rows).toEqual([
      expect.objectContaining({ key: 'initial_problem', outboundMessages: 1, credits: 1 }),
      expect.objectContaining({ key: 'ticket_update', outboundMessages: 2, credits: 2 }),
    ]);
    const today = DateTime.fromJSDate(clock.now(), { zone: 'Europe/London' }).toFormat('yyyy-MM-dd');
    const byDay = (await account.get('/api/sms/credits/usage').expect(200)).body;
    expect(byDay).toMatchObject({
      groupBy: 'day',
      timezone: 'Europe/London',
      rows: [expect.objectContaining({ key: today, credits: 3 })],
    });

    for (const bad of [
      'groupBy=week',
      'from=yesterday',
      'from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z',
      'from=2020-01-01T00:00:00Z&to=2030-01-01T00:00:00Z',
    ]) {
      await account.get(`/api/sms/credits/usage?${bad}`).expect(400);
    }

    const period = DateTime.fromJSDate(clock.now(), { zone: 'Europe/London' }).toFormat('yyyy-MM');
    const ledger = (await account.get(`/api/sms/credits/ledger?period=${period}`).expect(200)).body;
    expect(ledger).toMatchObject({ total: 4, sum: 197 });
    expect(ledger.entries.map((e: Entry) => e.kind).sort()).toEqual(['debit', 'debit', 'debit', 'monthly_grant']);
    const debitors = ledger.entries.filter((e: Entry) => e.kind === 'debit').map((e: Entry) => e.userId);
    expect(debitors.filter((id: string) => id === tech.id)).toHaveLength(2);
    expect(debitors.filter((id: string) => id !== tech.id)).toEqual([expect.stringMatching(/^[0-9a-f-]{36}$/)]);
    const page = (await account.get('/api/sms/credits/ledger?limit=1&offset=1').expect(200)).body;
    expect(page).toMatchObject({ total: 4, limit: 1, offset: 1 });
    expect(page.entries).toHaveLength(1);
    const future = new Date(clock.now().getTime() + DAY_MS).toISOString();
    expect(
      (await account.get(`/api/sms/credits/ledger?from=${encodeURIComponent(future)}`).expect(200)).body,
    ).toMatchObject({ entries: [], total: 0, sum: 0 });
    await account.get('/api/sms/credits/ledger?period=2025-13').expect(400);
    await account.get('/api/sms/credits/ledger?limit=0').expect(400);

    // Another account sees its own ledger only.
    const { account: other } = await setUp('Otherco');
    const otherEntries = await entries(other);
    expect(otherEntries.every((e) => e.messageId === null)).toBe(true);
    expect(otherEntries).toHaveLength(1);
  });

  // Moves the clock forward: keep it last.
  it('brings the allowance back each month: held texts go out oldest first, unused monthly credits expire, add-on credits roll over', async () => {
    const { account, customerId } = await setUp('Monthlyco', { allowance: 2, timezone: 'Australia/Sydney' });
    const ticket = await account.ticket(customerId);
    await settled(account, ticket.id, 1);
    await update(account, ticket.id, 'One');
    const held = [
      await update(account, ticket.id, 'Two'),
      await update(account, ticket.id, 'Three'),
      await update(account, ticket.id, 'Four'),
    ].flat();
    await eventually(
      () => rows(account, ticket.id),
      (r) => r.length === 5 && r.slice(2).every((m) => m.status === 'held_no_credit'),
    );
    const month = (offset: number) =>
      DateTime.fromJSDate(clock.now(), { zone: 'Australia/Sydney' }).startOf('month').plus({ months: offset });
    const first = month(0).toFormat('yyyy-MM');

    // Next month, nobody buys: the sweep applies the new allowance and sends the two oldest held texts.
    clock.moveTo(month(1).plus({ hours: 1 }).toJSDate());
    const second = month(0).toFormat('yyyy-MM');
    const afterRollover = await eventually(
      () => rows(account, ticket.id),
      (r) => r.filter((m) => m.status === 'queued').length === 4,
    );
    expect(afterRollover.slice(2).map((r) => [r.id, r.status])).toEqual([
      [held[0], 'queued'],
      [held[1], 'queued'],
      [held[2], 'held_no_credit'],
    ]);
    expect(await credits(account)).toMatchObject({
      monthlyRemaining: 0,
      addonRemaining: 0,
      heldMessages: 1,
      period: { key: second },
    });

    await account.buyCredits(1);
    await eventually(
      () => rows(account, ticket.id),
      (r) => r[4].status === 'queued',
    );

    // A month later: a fresh allowance, the add-on credits still there.
    clock.moveTo(month(1).plus({ hours: 1 }).toJSDate());
    const third = month(0).toFormat('yyyy-MM');
    expect(await credits(account)).toMatchObject({ monthlyRemaining: 2, addonRemaining: 2499, period: { key: third } });
    // And another: this month's two unused credits expire, two new ones are granted.
    clock.moveTo(month(1).plus({ hours: 1 }).toJSDate());
    const fourth = month(0).toFormat('yyyy-MM');
    expect(await credits(account)).toMatchObject({
      monthlyRemaining: 2,
      addonRemaining: 2499,
      period: { key: fourth },
    });

    const ledger = await entries(account, '?limit=1000');
    const summary = ledger.map((e) => `${e.period} ${e.kind} ${e.bucket} ${e.amount}`).reverse();
    expect(summary).toEqual([
      `${first} monthly_grant monthly 2`,
      `${first} debit monthly -1`,
      `${first} debit monthly -1`,
      `${second} monthly_grant monthly 2`,
      `${second} debit monthly -1`,
      `${second} debit monthly -1`,
      `${second} purchase addon 2500`,
      `${second} debit addon -1`,
      `${third} monthly_grant monthly 2`,
      `${third} monthly_expiry monthly -2`,
      `${fourth} monthly_grant monthly 2`,
    ]);
    expect(await ledgerSum(account)).toBe(2 + 2499);
    expect((await account.get(`/api/sms/credits/ledger?period=${third}`).expect(200)).body).toMatchObject({
      total: 2,
      sum: 0,
    });
  });
});
