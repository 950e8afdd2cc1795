import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PreparedStatement, runPrepared } from '../core/prepared';
import { Clock } from '../clock/clock';
import { SmsMessage } from '../messages/sms-message.entity';
import { CreditCharge, CreditLedger } from './credit-ledger.service';
import { creditsFor } from './credit-rules';
import { HeldMessages } from './held-messages.service';

export type ClaimResult = 'claimed' | 'held' | 'lost';

/**
 * An older text of the account (of another send) that waits for credits, given the SQL of the message's id, account and
 * send (parameters). The claim's UPDATE adds `NOT EXISTS (…)` of it to its WHERE when the gate asks (`notBehindHeld`).
 */
export const olderHeld = (messageId: string, accountId: string, sendId: string): string =>
  `SELECT 1 FROM sms_messages older WHERE older.account_id = ${accountId} AND older.status = 'held_no_credit'
   AND older.send_id <> ${sendId} AND older.created_at < (SELECT mine.created_at FROM sms_messages mine WHERE mine.id = ${messageId})`;

const OLDER_HELD: PreparedStatement = {
  name: 'sms-credit-older-held',
  text: `SELECT EXISTS (${olderHeld('$1', '$2', '$3')}) AS queued`,
};
const HOLD: PreparedStatement = {
  name: 'sms-credit-hold',
  text: `UPDATE sms_messages SET status = 'held_no_credit', error_message = $3, updated_at = now() WHERE id = $1 AND status = $2 RETURNING id`,
};
const UNPAID_PARTS: PreparedStatement = {
  name: 'sms-credit-unpaid-parts',
  text: `SELECT id, segments, credits, created_by_user_id FROM sms_messages
         WHERE account_id = $1 AND send_id = $2 AND part_index >= $3 AND provider_message_id IS NULL AND (id = $4 OR status = ANY($5))
         ORDER BY part_index`,
};

/** Rows of a send not yet handed to the provider (the row itself and the parts after it). */
export const UNSENT_STATUSES = ['pending', 'scheduled', 'held_no_credit'] as const;

/**
 * Where credits are debited: the send pipeline's claim (pending → submitting) and the debit commit in one
 * transaction, so a crash can never send without a debit nor debit twice. A split text is paid in full when its
 * first part is claimed, so a customer never gets half a text because the credits ran out between parts.
 */
@Injectable()
export class CreditGate {
  private readonly logger = new Logger(CreditGate.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly ledger: CreditLedger,
    private readonly held: HeldMessages,
    private readonly clock: Clock,
  ) {}

  /**
   * Runs `claim` (the pipeline's conditional pending → submitting update, given the transaction and whether to add
   * `NOT EXISTS (olderHeld(…))` to its WHERE) and debits what the row and the unsent parts after it still owe. Not enough credits, or older texts already waiting for credits:
   * the row becomes `held_no_credit` instead and is released, in order, when credits arrive.
   */
  async claim(
    row: SmsMessage,
    claim: (tx: EntityManager, notBehindHeld: boolean) => Promise<boolean>,
  ): Promise<ClaimResult> {
    // `provider` is the one the pipeline is about to hand the row to.
    if (!this.ledger.meters(row.provider)) return (await claim(this.dataSource.manager, false)) ? 'claimed' : 'lost';
    return this.dataSource.transaction(async (tx) => {
      const charges = await this.unpaid(tx, row);
      const total = charges.reduce((sum, c) => sum + c.amount, 0);
      // Already paid (a retry after a 429, a later part of a split text): nothing to check.
      if (total === 0) return (await claim(tx, false)) ? 'claimed' : 'lost';

      const now = this.clock.now();
      const balance = await this.ledger.lock(tx, row.accountId, now);
      const available = balance.monthlyRemaining + balance.addonRemaining;
      // Enough credits: the claim's own UPDATE checks that no older text waits for credits (one statement, not two). It
      // runs after the balance lock is taken, as the separate check did, so it sees every text a claim before it held.
      if (available >= total && (await claim(tx, true))) {
        await this.ledger.debit(tx, balance, charges, now);
        return 'claimed';
      }
      // Not claimed with enough credits: older texts wait for credits (held here too), or another worker has the row.
      const queued = available >= total && (await this.olderHeld(tx, row));
      if (available >= total && !queued) return 'lost';
      const reason = queued
        ? 'Waiting for SMS credits behind older texts that wait for credits'
        : `Waiting for SMS credits: needs ${total}, ${available} left`;
      const held = await runPrepared(tx, HOLD, [row.id, row.status, reason]);
      return held.length === 1 ? 'held' : 'lost';
    });
  }

  /**
   * Gives back what these messages were debited, in one transaction with `alongside` (the status change that records
   * why nothing was sent: a provider refusal, opted-out and invalid numbers cost nothing). Held texts may then go out.
   */
  async refund(
    accountId: string,
    messageIds: string[],
    alongside?: (tx: EntityManager) => Promise<void>,
  ): Promise<void> {
    const refunded = await this.dataSource.transaction(async (tx) => {
      const paid =
        messageIds.length > 0 &&
        (
          (await tx.query(
            `SELECT 1 FROM sms_credit_entries WHERE account_id = $1 AND message_id = ANY($2::uuid[]) LIMIT 1`,
            [accountId, messageIds],
          )) as unknown[]
        ).length > 0;
      // The balance is locked before any message row, the same order the claim takes them in.
      const balance = paid
        ? await this.ledger.lock(tx, await this.ledger.account(accountId, tx), this.clock.now())
        : null;
      if (alongside) await alongside(tx);
      return balance ? this.ledger.refund(tx, balance, messageIds, this.clock.now()) : 0;
    });
    if (refunded > 0) {
      this.logger.log(
        { accountId, messages: messageIds.length, refunded },
        'refunded credits of SMS that were not sent',
      );
      await this.held.release(accountId);
    }
  }

  /** What the row and the unsent parts after it still owe (each: its segments at the outbound rate, less what it paid). */
  private async unpaid(tx: EntityManager, row: SmsMessage): Promise<CreditCharge[]> {
    const parts =
      row.partCount > 1
        ? await runPrepared<{ id: string; segments: number; credits: number; created_by_user_id: string | null }>(
            tx,
            UNPAID_PARTS,
            [row.accountId, row.sendId, row.partIndex, row.id, UNSENT_STATUSES],
          )
        : [{ id: row.id, segments: row.segments, credits: row.credits, created_by_user_id: row.createdByUserId }];
    return parts.map((p) => ({
      messageId: p.id,
      userId: p.created_by_user_id,
      amount: Math.max(0, creditsFor('outbound', p.segments) - p.credits),
    }));
  }

  /** Texts written earlier that wait for credits go first: a new text queues behind them. */
  private async olderHeld(tx: EntityManager, row: SmsMessage): Promise<boolean> {
    const [found] = await runPrepared<{ queued: boolean }>(tx, OLDER_HELD, [row.id, row.accountId, row.sendId]);
    return found.queued;
  }
}
