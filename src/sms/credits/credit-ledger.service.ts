import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { PreparedStatement, runPrepared } from '../core/prepared';
import { SmsMessage } from '../messages/sms-message.entity';
import { SmsMetrics } from '../metrics/sms-metrics.service';
import { TICKET_GATEWAY, type TicketGateway } from '../ports/ticket-gateway.port';
import { SmsSettingsService } from '../settings/sms-settings.service';
import { SMS_MODULE_OPTIONS, type ResolvedSmsOptions } from '../sms.options';
import { CreditEntry } from './credit-entry.entity';
import { CreditBucket, creditPeriod, isMetered, splitDebit } from './credit-rules';

/** An account's balance row, locked (`FOR UPDATE`) for the rest of the transaction that read it. */
export interface LockedBalance {
  accountId: string;
  /** The current credit period ('YYYY-MM' in the account's zone); the monthly credits belong to it. */
  period: string;
  monthlyAllowance: number;
  monthlyRemaining: number;
  addonRemaining: number;
}

export interface CreditCharge {
  messageId: string;
  userId: string | null;
  amount: number;
}

/** A charge of a batch that may hold several accounts' sends. */
export interface AccountCharge extends CreditCharge {
  accountId: string;
}

/** What the ledger needs to know about an account: its zone (periods) and its age (purchases). */
export interface CreditAccount {
  id: string;
  timezone: string;
  subscribedAt: Date;
}

/** The zone furthest ahead of UTC (Kiribati's Line Islands): its calendar month is never behind any account's. */
const LATEST_ZONE = 'UTC+14';

interface BalanceRow {
  monthly_allowance: number;
  monthly_period: string | null;
  monthly_remaining: number;
  addon_remaining: number;
}

// Prepared: every metered text locks the balance and is debited.
const LOCK_BALANCE: PreparedStatement = {
  name: 'sms-credit-balance-lock',
  text: 'SELECT monthly_allowance, monthly_period, monthly_remaining, addon_remaining FROM sms_credit_balances WHERE account_id = $1 FOR UPDATE',
};
const CREATE_BALANCE: PreparedStatement = {
  name: 'sms-credit-balance-create',
  text: 'INSERT INTO sms_credit_balances (account_id) VALUES ($1) ON CONFLICT (account_id) DO NOTHING',
};
// The balances of several accounts, locked in account order: batches of sends of many accounts take them in one order.
const LOCK_BALANCES: PreparedStatement = {
  name: 'sms-credit-balances-lock',
  text: `SELECT account_id, monthly_allowance, monthly_period, monthly_remaining, addon_remaining FROM sms_credit_balances
         WHERE account_id = ANY($1::text[]) ORDER BY account_id FOR UPDATE`,
};
// The debits of a batch of sends, of one or several accounts, in one statement: each account's balance by its totals,
// every entry, what each message cost. The entries and messages change only if every balance UPDATE matched ($4).
const DEBIT_MANY: PreparedStatement = {
  name: 'sms-credit-debit-many',
  text: `WITH balance AS (
           UPDATE sms_credit_balances b SET monthly_remaining = b.monthly_remaining - d.monthly, addon_remaining = b.addon_remaining - d.addon, updated_at = now()
           FROM unnest($1::text[], $2::int[], $3::int[]) AS d(account_id, monthly, addon)
           WHERE b.account_id = d.account_id AND b.monthly_remaining >= d.monthly AND b.addon_remaining >= d.addon
           RETURNING b.account_id, b.monthly_remaining, b.addon_remaining
         ), matched AS (
           SELECT count(*) = $4::int AS ok FROM balance
         ), entries AS (
           INSERT INTO sms_credit_entries (account_id, kind, bucket, amount, period, message_id, user_id, idempotency_key, created_at)
           SELECT e.account_id, 'debit', e.bucket, -e.amount, e.period, e.message_id, e.user_id, e.key, $5::timestamptz
           FROM matched, unnest($6::text[], $7::text[], $8::int[], $9::text[], $10::uuid[], $11::text[], $12::text[]) WITH ORDINALITY
             AS e(account_id, bucket, amount, period, message_id, user_id, key, n)
           WHERE matched.ok ORDER BY e.n
         ), message AS (
           UPDATE sms_messages m SET credits = m.credits + c.amount, updated_at = now()
           FROM matched, unnest($13::uuid[], $14::text[], $15::int[]) AS c(id, account_id, amount)
           WHERE matched.ok AND m.id = c.id AND m.account_id = c.account_id
         )
         SELECT account_id, monthly_remaining, addon_remaining FROM balance`,
};

/**
 * The credit ledger: every movement is an append-only entry with a unique idempotency key, and the balance row
 * beside it changes in the same transaction. Callers lock the balance first (`lock`), which also applies a new
 * month's grant lazily, then debit, refund or add within that transaction.
 */
@Injectable()
export class CreditLedger {
  constructor(
    @Inject(TICKET_GATEWAY) private readonly gateway: TicketGateway,
    @Inject(SMS_MODULE_OPTIONS) private readonly options: ResolvedSmsOptions,
    private readonly settings: SmsSettingsService,
    private readonly metrics: SmsMetrics,
  ) {}

  /** Whether the account's texts spend credits now: not while it sends through its own provider account. */
  async metered(accountId: string): Promise<boolean> {
    if (!this.options.creditMetering) return false;
    const { provider } = await this.settings.get(accountId);
    return this.meters(provider === 'platform' ? this.options.provider : provider);
  }

  /** Whether a text handed to `provider` spends credits: never with metering off, nor through an account's own provider. */
  meters(provider: string | null): boolean {
    return this.options.creditMetering && isMetered(provider);
  }

  async account(accountId: string, tx?: EntityManager): Promise<CreditAccount> {
    const account = await this.gateway.getAccount(accountId, tx);
    if (!account) throw new NotFoundException('No such account');
    return { id: account.id, timezone: account.timezone, subscribedAt: account.subscribedAt };
  }

  /**
   * Locks the account's balance row until `tx` ends (claims, releases and purchases of one account take turns here)
   * and, on the first use in a new calendar month, expires what is left of last month's credits and grants this month's.
   * Given only the account's id, the account (its zone) is read only when the month may have changed.
   */
  async lock(tx: EntityManager, account: CreditAccount | string, now: Date): Promise<LockedBalance> {
    const accountId = typeof account === 'string' ? account : account.id;
    let [row] = await runPrepared<BalanceRow>(tx, LOCK_BALANCE, [accountId]);
    if (!row) {
      // First use: create the row (another transaction may be doing the same), then lock it.
      await runPrepared(tx, CREATE_BALANCE, [accountId]);
      [row] = await runPrepared<BalanceRow>(tx, LOCK_BALANCE, [accountId]);
    }
    const balance: LockedBalance = {
      accountId,
      period: row.monthly_period ?? '',
      monthlyAllowance: row.monthly_allowance,
      monthlyRemaining: row.monthly_remaining,
      addonRemaining: row.addon_remaining,
    };
    // Periods only move forward ('YYYY-MM' sorts by time): a clock read behind the last grant never re-grants.
    // No zone is ahead of UTC+14: a period at or past the one there is at or past the account's, whatever its zone.
    if (row.monthly_period !== null && row.monthly_period >= creditPeriod(now, LATEST_ZONE)) return balance;
    const { timezone } = typeof account === 'string' ? await this.account(account, tx) : account;
    const period = creditPeriod(now, timezone);
    if (row.monthly_period !== null && row.monthly_period >= period) return balance;
    balance.period = period;
    const entries: Partial<CreditEntry>[] = [];
    if (row.monthly_period !== null && row.monthly_remaining > 0) {
      // Monthly credits do not roll over; the expiry keeps the ledger summing to the balance.
      entries.push(
        this.entry(
          accountId,
          'monthly_expiry',
          'monthly',
          -row.monthly_remaining,
          row.monthly_period,
          `expiry:${accountId}:${row.monthly_period}`,
          now,
        ),
      );
    }
    if (row.monthly_allowance > 0) {
      entries.push(
        this.entry(
          accountId,
          'monthly_grant',
          'monthly',
          row.monthly_allowance,
          period,
          `grant:${accountId}:${period}`,
          now,
        ),
      );
    }
    if (entries.length > 0) await tx.getRepository(CreditEntry).insert(entries);
    if (row.monthly_allowance > 0) this.metrics.creditsAdded(tx, 'monthly_grant', row.monthly_allowance);
    await tx.query(
      `UPDATE sms_credit_balances SET monthly_period = $2, monthly_remaining = $3, updated_at = now() WHERE account_id = $1`,
      [accountId, period, row.monthly_allowance],
    );
    balance.monthlyRemaining = row.monthly_allowance;
    return balance;
  }

  /**
   * `lock` for several accounts at once: one statement locks the balances in account order; an account without a
   * balance row yet, or whose month may have turned, goes through `lock` (which creates the row or grants the month).
   */
  async lockMany(tx: EntityManager, accountIds: string[], now: Date): Promise<Map<string, LockedBalance>> {
    const sorted = [...new Set(accountIds)].sort();
    const rows = await runPrepared<BalanceRow & { account_id: string }>(tx, LOCK_BALANCES, [sorted]);
    const latest = creditPeriod(now, LATEST_ZONE);
    const locked = new Map<string, LockedBalance>();
    for (const row of rows) {
      if (row.monthly_period === null || row.monthly_period < latest) continue;
      locked.set(row.account_id, {
        accountId: row.account_id,
        period: row.monthly_period,
        monthlyAllowance: row.monthly_allowance,
        monthlyRemaining: row.monthly_remaining,
        addonRemaining: row.addon_remaining,
      });
    }
    for (const accountId of sorted)
      if (!locked.has(accountId)) locked.set(accountId, await this.lock(tx, accountId, now));
    return locked;
  }

  /**
   * Debits the charges of a batch of sends, of any of the `balances` (locked by `lockMany`), in one statement: each
   * charge from the monthly credits first, then the add-on credits, in the order given, and records what each message
   * cost. The caller checked the totals against the locked balances; the conditional UPDATE (and the CHECKs) make an
   * overdraft impossible even if it did not. `recorded`: messages whose rows the caller has already charged (their
   * `credits`) in this transaction; their entries are written and their rows left alone.
   */
  async debitMany(
    tx: EntityManager,
    balances: Map<string, LockedBalance>,
    charges: AccountCharge[],
    now: Date,
    recorded: ReadonlySet<string> = new Set(),
  ): Promise<void> {
    const totals = new Map<string, { monthly: number; addon: number }>();
    const entries: {
      accountId: string;
      bucket: CreditBucket;
      amount: number;
      period: string;
      charge: AccountCharge;
    }[] = [];
    const messages: AccountCharge[] = [];
    for (const charge of charges) {
      if (charge.amount <= 0) continue;
      const balance = balances.get(charge.accountId);
      const split =
        balance && splitDebit(charge.amount, { monthly: balance.monthlyRemaining, addon: balance.addonRemaining });
      if (!balance || !split)
        throw new Error(
          `Not enough credits for message ${charge.messageId}: checked before the debit, so this is a bug`,
        );
      balance.monthlyRemaining -= split.monthly;
      balance.addonRemaining -= split.addon;
      const total = totals.get(charge.accountId) ?? { monthly: 0, addon: 0 };
      total.monthly += split.monthly;
      total.addon += split.addon;
      totals.set(charge.accountId, total);
      for (const bucket of ['monthly', 'addon'] as const)
        if (split[bucket] > 0)
          entries.push({ accountId: charge.accountId, bucket, amount: split[bucket], period: balance.period, charge });
      messages.push(charge);
    }
    if (messages.length === 0) return;
    const accounts = [...totals.keys()];
    const unrecorded = messages.filter((m) => !recorded.has(m.messageId));
    const result = await runPrepared<{ account_id: string }>(tx, DEBIT_MANY, [
      accounts,
      accounts.map((a) => totals.get(a)!.monthly),
      accounts.map((a) => totals.get(a)!.addon),
      accounts.length,
      now,
      entries.map((e) => e.accountId),
      entries.map((e) => e.bucket),
      entries.map((e) => e.amount),
      entries.map((e) => e.period),
      entries.map((e) => e.charge.messageId),
      entries.map((e) => e.charge.userId),
      entries.map((e) => `debit:${e.charge.messageId}:${e.bucket}`),
      unrecorded.map((m) => m.messageId),
      unrecorded.map((m) => m.accountId),
      unrecorded.map((m) => m.amount),
    ]);
    if (result.length !== accounts.length)
      throw new Error(`The credit balances of accounts ${accounts.join(', ')} changed under their locks`);
    this.metrics.creditsDebited(
      tx,
      messages.reduce((sum, m) => sum + m.amount, 0),
    );
  }

  /**
   * Gives back what these messages were debited (nothing was sent). Monthly credits of a period that has since ended
   * are not given back: they would have expired unused. Returns the credits refunded.
   */
  async refund(tx: EntityManager, balance: LockedBalance, messageIds: string[], now: Date): Promise<number> {
    if (messageIds.length === 0) return 0;
    const nets = (await tx.query(
      `SELECT message_id, bucket, period, min(user_id::text) AS user_id, sum(amount)::int AS net FROM sms_credit_entries
       WHERE account_id = $1 AND message_id = ANY($2::uuid[]) AND kind IN ('debit', 'refund')
       GROUP BY message_id, bucket, period HAVING sum(amount) < 0 ORDER BY message_id, bucket`,
      [balance.accountId, messageIds],
    )) as { message_id: string; bucket: CreditBucket; period: string; user_id: string | null; net: number }[];
    let refunded = 0;
    for (const net of nets) {
      if (net.bucket === 'monthly' && net.period !== balance.period) continue;
      const amount = -net.net;
      const column = net.bucket === 'monthly' ? 'monthly_remaining' : 'addon_remaining';
      await tx.query(
        `UPDATE sms_credit_balances SET ${column} = ${column} + $2, updated_at = now() WHERE account_id = $1`,
        [balance.accountId, amount],
      );
      await tx.getRepository(CreditEntry).insert({
        ...this.entry(
          balance.accountId,
          'refund',
          net.bucket,
          amount,
          balance.period,
          `refund:${net.message_id}:${net.bucket}`,
          now,
        ),
        messageId: net.message_id,
        userId: net.user_id,
      });
      await tx
        .getRepository(SmsMessage)
        .update({ id: net.message_id }, { credits: () => `GREATEST(credits - ${amount}, 0)` });
      if (net.bucket === 'monthly') balance.monthlyRemaining += amount;
      else balance.addonRemaining += amount;
      refunded += amount;
    }
    this.metrics.creditsAdded(tx, 'refund', refunded);
    return refunded;
  }

  /** Adds bought or granted credits to the add-on bucket (they roll over). The key makes a retry a no-op. */
  async addAddon(
    tx: EntityManager,
    balance: LockedBalance,
    addition: { kind: 'purchase' | 'grant'; key: string; credits: number; userId: string | null },
    now: Date,
  ): Promise<CreditEntry> {
    const entry = tx.getRepository(CreditEntry).create({
      ...this.entry(balance.accountId, addition.kind, 'addon', addition.credits, balance.period, addition.key, now),
      userId: addition.userId,
    });
    await tx.getRepository(CreditEntry).insert(entry);
    await tx.query(
      `UPDATE sms_credit_balances SET addon_remaining = addon_remaining + $2, updated_at = now() WHERE account_id = $1`,
      [balance.accountId, addition.credits],
    );
    balance.addonRemaining += addition.credits;
    this.metrics.creditsAdded(tx, addition.kind, addition.credits);
    return entry;
  }

  private entry(
    accountId: string,
    kind: CreditEntry['kind'],
    bucket: CreditBucket,
    amount: number,
    period: string,
    idempotencyKey: string,
    createdAt: Date,
  ): Partial<CreditEntry> {
    return { accountId, kind, bucket, amount, period, idempotencyKey, createdAt, messageId: null, userId: null };
  }
}
