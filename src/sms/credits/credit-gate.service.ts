import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PreparedStatement, runPrepared } from '../core/prepared';
import { Clock } from '../clock/clock';
import { SmsMessage } from '../messages/sms-message.entity';
import { AccountCharge, CreditLedger, LockedBalance } from './credit-ledger.service';
import { creditsFor } from './credit-rules';
import { HeldMessages } from './held-messages.service';

export type ClaimResult = 'claimed' | 'held' | 'lost';

/**
 * An older text of `m`'s account (of another send) that waits for credits: a row that owes credits queues behind it.
 * The claim's UPDATE adds `NOT EXISTS (…)` of it to its WHERE for such rows.
 */
const OLDER_HELD = `SELECT 1 FROM sms_messages older WHERE older.account_id = m.account_id AND older.status = 'held_no_credit'
   AND older.send_id <> m.send_id AND older.created_at < m.created_at`;

// pending → submitting, at most once, for every row of a batch that may go ($4: whether it must not be behind held texts;
// $5: what the row's own debit in this transaction costs, recorded on it here rather than by a second UPDATE).
const CLAIM_MANY: PreparedStatement = {
  name: 'sms-send-claim-many',
  text: `UPDATE sms_messages m SET status = 'submitting', submitted_at = $1, attempts = m.attempts + 1, provider = c.provider,
           credits = m.credits + c.credits, updated_at = now()
         FROM unnest($2::uuid[], $3::text[], $4::boolean[], $5::int[]) AS c(id, provider, not_behind_held, credits)
         WHERE m.id = c.id AND m.status = 'pending' AND (NOT c.not_behind_held OR NOT EXISTS (${OLDER_HELD}))
         RETURNING m.id`,
};
// Rows that wait for credits, each with its reason; $3: only if an older text already waits (else it was claimed elsewhere).
const HOLD_MANY: PreparedStatement = {
  name: 'sms-credit-hold-many',
  text: `UPDATE sms_messages m SET status = 'held_no_credit', error_message = h.reason, updated_at = now()
         FROM unnest($1::uuid[], $2::text[], $3::boolean[]) AS h(id, reason, only_behind_held)
         WHERE m.id = h.id AND m.status = 'pending' AND (NOT h.only_behind_held OR EXISTS (${OLDER_HELD}))
         RETURNING m.id`,
};
// What each split text's row and the unsent parts after it (in its account and send) still owe, by the row's id.
const UNPAID_PARTS: PreparedStatement = {
  name: 'sms-credit-unpaid-parts-many',
  text: `SELECT r.id AS owner, p.id, p.segments, p.credits, p.created_by_user_id
         FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::smallint[]) AS r(id, account_id, send_id, part_index)
         JOIN sms_messages p ON p.account_id = r.account_id AND p.send_id = r.send_id AND p.part_index >= r.part_index
           AND p.provider_message_id IS NULL AND (p.id = r.id OR p.status = ANY($5))
         ORDER BY r.id, p.part_index`,
};

interface UnpaidPart {
  id: string;
  segments: number;
  credits: number;
  created_by_user_id: string | null;
}

const BEHIND_HELD = 'Waiting for SMS credits behind older texts that wait for credits';

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
   * Claims a batch of rows for the hand-off, `pending → submitting`, in one transaction: the balances of the accounts
   * whose rows spend credits are locked (in account order), what each row and the unsent parts after it still owe is
   * read in one statement, one UPDATE claims every row that may go, one statement holds the rest, and one debits every
   * account. An account's rows are taken oldest first while its credits cover them; from the first that does not fit,
   * its rows wait as `held_no_credit` and are released, in order, when credits arrive. A row that owes something goes
   * only if no older text of the account (of another send) already waits for credits. `row.provider` is the provider
   * the row is about to be handed to (an account's own provider is not metered). Answers each row's result by its id.
   */
  async claimMany(rows: SmsMessage[]): Promise<Map<string, ClaimResult>> {
    const result = new Map<string, ClaimResult>();
    if (rows.length === 0) return result;
    const metered = rows.filter((r) => this.ledger.meters(r.provider));
    const now = this.clock.now();
    return this.dataSource.transaction(async (tx) => {
      // The balances before any message row: the order releases and refunds take them in.
      const balances =
        metered.length > 0
          ? await this.ledger.lockMany(
              tx,
              metered.map((r) => r.accountId),
              now,
            )
          : new Map<string, LockedBalance>();
      const owed = await this.unpaid(tx, metered);

      const claims: { row: SmsMessage; notBehindHeld: boolean; credits: number }[] = [];
      const holds: { row: SmsMessage; reason: string; onlyBehindHeld: boolean }[] = [];
      const left = new Map([...balances].map(([id, b]) => [id, b.monthlyRemaining + b.addonRemaining]));
      const blocked = new Set<string>();
      // Oldest first, as the held texts are released.
      const ordered = [...rows].sort(
        (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.partIndex - b.partIndex,
      );
      for (const row of ordered) {
        const total = (owed.get(row.id) ?? []).reduce((sum, c) => sum + c.amount, 0);
        // Not metered, or already paid (a retry after a 429, a later part of a split text): nothing to check.
        if (!this.ledger.meters(row.provider) || total === 0) {
          claims.push({ row, notBehindHeld: false, credits: 0 });
          continue;
        }
        const available = left.get(row.accountId) ?? 0;
        if (blocked.has(row.accountId)) {
          holds.push({ row, reason: BEHIND_HELD, onlyBehindHeld: false });
        } else if (available < total) {
          blocked.add(row.accountId);
          holds.push({
            row,
            reason: `Waiting for SMS credits: needs ${total}, ${available} left`,
            onlyBehindHeld: false,
          });
        } else {
          left.set(row.accountId, available - total);
          const own = owed.get(row.id)!.reduce((sum, c) => (c.messageId === row.id ? sum + c.amount : sum), 0);
          claims.push({ row, notBehindHeld: true, credits: own });
        }
      }

      const claimed = new Set(
        (
          await runPrepared<{ id: string }>(tx, CLAIM_MANY, [
            now,
            claims.map((c) => c.row.id),
            claims.map((c) => c.row.provider),
            claims.map((c) => c.notBehindHeld),
            claims.map((c) => c.credits),
          ])
        ).map((r) => r.id),
      );
      // Claimed with enough credits or not at all: older texts wait for credits (held here too), or another worker has it.
      for (const { row, notBehindHeld } of claims)
        if (notBehindHeld && !claimed.has(row.id)) holds.push({ row, reason: BEHIND_HELD, onlyBehindHeld: true });
      const held = new Set(
        holds.length === 0
          ? []
          : (
              await runPrepared<{ id: string }>(tx, HOLD_MANY, [
                holds.map((h) => h.row.id),
                holds.map((h) => h.reason),
                holds.map((h) => h.onlyBehindHeld),
              ])
            ).map((r) => r.id),
      );
      // The claimed rows' own costs are on them already (the claim's UPDATE); the later parts of split texts are not.
      await this.ledger.debitMany(
        tx,
        balances,
        metered.filter((r) => claimed.has(r.id)).flatMap((r) => owed.get(r.id) ?? []),
        now,
        claimed,
      );
      for (const row of rows) result.set(row.id, claimed.has(row.id) ? 'claimed' : held.has(row.id) ? 'held' : 'lost');
      return result;
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

  /**
   * What each row and the unsent parts after it still owe (each: its segments at the outbound rate, less what it paid),
   * by the row's id. The parts of split texts are read in one statement; a one-part text owes what its row says.
   */
  private async unpaid(tx: EntityManager, rows: SmsMessage[]): Promise<Map<string, AccountCharge[]>> {
    const owed = new Map<string, AccountCharge[]>();
    const charge = (row: SmsMessage, part: UnpaidPart): AccountCharge => ({
      accountId: row.accountId,
      messageId: part.id,
      userId: part.created_by_user_id,
      amount: Math.max(0, creditsFor('outbound', part.segments) - part.credits),
    });
    const split = rows.filter((r) => r.partCount > 1);
    const parts =
      split.length === 0
        ? []
        : await runPrepared<UnpaidPart & { owner: string }>(tx, UNPAID_PARTS, [
            split.map((r) => r.id),
            split.map((r) => r.accountId),
            split.map((r) => r.sendId),
            split.map((r) => r.partIndex),
            UNSENT_STATUSES,
          ]);
    for (const part of parts) {
      const row = split.find((r) => r.id === part.owner)!;
      owed.set(row.id, [...(owed.get(row.id) ?? []), charge(row, part)]);
    }
    for (const row of rows)
      if (row.partCount <= 1)
        owed.set(row.id, [
          charge(row, {
            id: row.id,
            segments: row.segments,
            credits: row.credits,
            created_by_user_id: row.createdByUserId,
          }),
        ]);
    return owed;
  }
}
