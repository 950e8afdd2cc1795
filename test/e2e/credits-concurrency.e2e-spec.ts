import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { OutboundService } from '../../src/sms';
import { SmsQueue } from '../../src/sms/queues/queues';
import { eventually, TestAccount, TestApp } from '../support/test-app';

const SENDS = 1000;
const BALANCE = 500;

interface StatusCount {
  status: string;
  count: number;
  credits: number;
}

describe('credits under 1,000 concurrent sends', () => {
  let t: TestApp;
  let acme: TestAccount;
  let queue: Queue;

  beforeAll(async () => {
    t = await TestApp.start({ suite: 'credits_concurrency', env: { WORKER_CONCURRENCY: '50' } });
    queue = t.app.get<Queue>(getQueueToken(SmsQueue.Outbound));
    acme = await t.account('Acme IT', { subscribedAt: new Date(Date.now() - 60 * 86_400_000).toISOString() });
    // A plan with 500 credits a month, and nothing else: the 1,000 one-segment texts race for them.
    await t.db.query(`INSERT INTO sms_credit_balances (account_id, monthly_allowance) VALUES ($1, $2)`, [
      acme.id,
      BALANCE,
    ]);
    await acme.addNumber('+12025550500', 'Front desk');
  });

  afterAll(() => t?.close());

  const statuses = async (): Promise<StatusCount[]> =>
    t.db.query(
      `SELECT status, count(*)::int AS count, coalesce(sum(credits), 0)::int AS credits FROM sms_messages WHERE account_id = $1 GROUP BY status ORDER BY status`,
      [acme.id],
    );
  const ledgerSum = async (): Promise<number> =>
    (
      await t.db.query(`SELECT coalesce(sum(amount), 0)::int AS sum FROM sms_credit_entries WHERE account_id = $1`, [
        acme.id,
      ])
    )[0].sum;
  const balance = async (): Promise<{ monthly: number; addon: number }> =>
    (
      await t.db.query(
        `SELECT monthly_remaining AS monthly, addon_remaining AS addon FROM sms_credit_balances WHERE account_id = $1`,
        [acme.id],
      )
    )[0];
  const unsettled = (counts: StatusCount[]) =>
    counts.filter((c) => ['pending', 'submitting'].includes(c.status)).reduce((n, c) => n + c.count, 0);

  it(`sends exactly ${BALANCE} of ${SENDS} texts racing for ${BALANCE} credits, holds the rest, and the ledger sums to the balance`, async () => {
    // 1,000 texts written as a ticket update writes them (one row each, committed), then enqueued at once while the
    // queue is paused: released together, 50 workers race for the credits.
    const ids = (
      (await t.db.query(
        `INSERT INTO sms_messages (account_id, direction, kind, send_id, to_number, from_number, body, encoding, segments, status, provider)
         SELECT $1, 'outbound', 'ticket_update', gen_random_uuid(), '+12015550500', '+12025550500', 'Update ' || n || ' on your ticket', 'GSM-7', 1, 'pending', 'twilio'
           FROM generate_series(1, $2) AS n RETURNING id`,
        [acme.id, SENDS],
      )) as { id: string }[]
    ).map((r) => r.id);
    await queue.pause();
    await t.app.get(OutboundService).dispatch({ messageIds: ids });
    expect(await statuses()).toEqual([{ status: 'pending', count: SENDS, credits: 0 }]);
    expect(await queue.count()).toBe(SENDS);
    await queue.resume();

    const final = await eventually(statuses, (c) => unsettled(c) === 0 && c.length === 2, 120_000);

    expect(final).toEqual([
      { status: 'held_no_credit', count: SENDS - BALANCE, credits: 0 },
      { status: 'queued', count: BALANCE, credits: BALANCE },
    ]);
    const sent = t.twilio.sentMessages();
    expect(sent).toHaveLength(BALANCE);
    expect(new Set(sent.map((m) => m.body)).size).toBe(BALANCE);
    expect(await balance()).toEqual({ monthly: 0, addon: 0 });
    expect(await ledgerSum()).toBe(0);
    const [debits] = await t.db.query(
      `SELECT count(*)::int AS n, sum(amount)::int AS sum FROM sms_credit_entries WHERE account_id = $1 AND kind = 'debit'`,
      [acme.id],
    );
    expect(debits).toEqual({ n: BALANCE, sum: -BALANCE });

    // A pack later (granted by the platform) every held text goes out, once each, and the ledger still sums to the balance.
    await acme.grantCredits(2500);
    const after = await eventually(statuses, (c) => c.length === 1 && c[0].status === 'queued', 120_000);
    expect(after).toEqual([{ status: 'queued', count: SENDS, credits: SENDS }]);
    expect(t.twilio.sentMessages()).toHaveLength(SENDS);
    expect(new Set(t.twilio.sentMessages().map((m) => m.body)).size).toBe(SENDS);
    expect(await balance()).toEqual({ monthly: 0, addon: 2500 - (SENDS - BALANCE) });
    expect(await ledgerSum()).toBe(2500 - (SENDS - BALANCE));
  }, 300_000);
});
