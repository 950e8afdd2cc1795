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

  it('debits each account of a shared batch its own credits: one runs short and holds the rest, the other sends all', async () => {
    // Two accounts' texts released together share the pipeline's batches and their claim transactions.
    const subscribedAt = new Date(Date.now() - 60 * 86_400_000).toISOString();
    const short = await t.account('Short IT', { subscribedAt });
    const ample = await t.account('Ample IT', { subscribedAt });
    await t.db.query(`INSERT INTO sms_credit_balances (account_id, monthly_allowance) VALUES ($1, 100), ($2, 1000)`, [
      short.id,
      ample.id,
    ]);
    await short.addNumber('+12025550501', 'Short desk');
    await ample.addNumber('+12025550502', 'Ample desk');
    const write = async (account: TestAccount, from: string) =>
      (
        (await t.db.query(
          `INSERT INTO sms_messages (account_id, direction, kind, send_id, to_number, from_number, body, encoding, segments, status, provider, created_at)
           SELECT $1, 'outbound', 'ticket_update', gen_random_uuid(), '+12015550501', $2, $3 || ' update ' || n, 'GSM-7', 1, 'pending', 'twilio',
                  now() + n * interval '1 millisecond'
             FROM generate_series(1, 300) AS n RETURNING id`,
          [account.id, from, account.id],
        )) as { id: string }[]
      ).map((r) => r.id);
    const shortIds = await write(short, '+12025550501');
    const ampleIds = await write(ample, '+12025550502');
    await queue.pause();
    // Interleaved, so each batch holds texts of both accounts.
    await t.app.get(OutboundService).dispatch({ messageIds: shortIds.flatMap((id, i) => [id, ampleIds[i]]) });
    await queue.resume();

    const of = (account: TestAccount) => async (): Promise<StatusCount[]> =>
      t.db.query(
        `SELECT status, count(*)::int AS count, coalesce(sum(credits), 0)::int AS credits FROM sms_messages
          WHERE account_id = $1 GROUP BY status ORDER BY status`,
        [account.id],
      );
    const shortFinal = await eventually(of(short), (c) => unsettled(c) === 0 && c.length === 2, 120_000);
    const ampleFinal = await eventually(of(ample), (c) => unsettled(c) === 0 && c.length === 1, 120_000);
    expect(shortFinal).toEqual([
      { status: 'held_no_credit', count: 200, credits: 0 },
      { status: 'queued', count: 100, credits: 100 },
    ]);
    expect(ampleFinal).toEqual([{ status: 'queued', count: 300, credits: 300 }]);
    for (const [account, left] of [
      [short, 0],
      [ample, 700],
    ] as const) {
      const [row] = await t.db.query(
        `SELECT b.monthly_remaining AS remaining,
                (SELECT coalesce(sum(amount), 0)::int FROM sms_credit_entries e WHERE e.account_id = b.account_id) AS ledger,
                (SELECT count(*)::int FROM sms_credit_entries e WHERE e.account_id = b.account_id AND e.kind = 'debit') AS debits
           FROM sms_credit_balances b WHERE b.account_id = $1`,
        [account.id],
      );
      expect(row).toEqual({ remaining: left, ledger: left, debits: account === short ? 100 : 300 });
    }
    const sentBy = (from: string) => t.twilio.sentMessages().filter((m) => m.from === from);
    expect(new Set(sentBy('+12025550501').map((m) => m.body)).size).toBe(100);
    expect(sentBy('+12025550501')).toHaveLength(100);
    expect(new Set(sentBy('+12025550502').map((m) => m.body)).size).toBe(300);
    expect(sentBy('+12025550502')).toHaveLength(300);
  }, 300_000);
});
