import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../clock/clock';
import { MessageQueue } from '../messages/message-queue.service';
import { CreditLedger } from './credit-ledger.service';
import { creditsFor, plannedRelease } from './credit-rules';

// A release looks at this many held texts at a time; the next purchase or sweep takes the rest.
const RELEASE_BATCH = 1000;

interface HeldRow {
  id: string;
  send_id: string;
  part_index: number;
}

interface UnsentPart {
  send_id: string;
  part_index: number;
  segments: number;
  credits: number;
}

/**
 * Texts waiting as `held_no_credit`. When credits arrive (a purchase, a new month, a refund) the oldest go back to
 * `pending`, as many as the credits cover, and are enqueued in the order they were written.
 */
@Injectable()
export class HeldMessages {
  private readonly logger = new Logger(HeldMessages.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly ledger: CreditLedger,
    private readonly queue: MessageQueue,
    private readonly clock: Clock,
  ) {}

  /** Releases the account's held texts its credits now cover, oldest first. Returns how many were released. */
  async release(accountId: string): Promise<number> {
    const account = await this.ledger.account(accountId);
    // An account that now sends through its own provider account needs no credits: everything held goes.
    const metered = await this.ledger.metered(accountId);
    const released = await this.dataSource.transaction(async (tx) => {
      // The balance lock orders this after any claim that is deciding to hold a text, so none is left behind.
      const balance = await this.ledger.lock(tx, account, this.clock.now());
      const available = metered ? balance.monthlyRemaining + balance.addonRemaining : Number.POSITIVE_INFINITY;
      if (available <= 0) return [];
      const held = (await tx.query(
        `SELECT id, send_id, part_index FROM sms_messages WHERE account_id = $1 AND status = 'held_no_credit'
         ORDER BY created_at, part_index LIMIT ${RELEASE_BATCH}`,
        [accountId],
      )) as HeldRow[];
      if (held.length === 0) return [];
      // A held part is released with what the rest of its text still owes: the claim pays for all of it.
      const parts = (await tx.query(
        `SELECT send_id, part_index, segments, credits FROM sms_messages
         WHERE account_id = $1 AND send_id = ANY($2::uuid[]) AND provider_message_id IS NULL AND status IN ('pending', 'scheduled', 'held_no_credit')`,
        [accountId, [...new Set(held.map((h) => h.send_id))]],
      )) as UnsentPart[];
      const owed = (h: HeldRow) =>
        parts
          .filter((p) => p.send_id === h.send_id && p.part_index >= h.part_index)
          .reduce((sum, p) => sum + Math.max(0, creditsFor('outbound', p.segments) - p.credits), 0);
      const plan = plannedRelease(
        held.map((h) => ({ id: h.id, cost: owed(h) })),
        available,
      );
      if (plan.length === 0) return [];
      const ids = plan.map((p) => p.id);
      await tx.query(`UPDATE sms_messages SET status = 'pending', error_message = NULL, updated_at = now() WHERE id = ANY($1::uuid[]) AND status = 'held_no_credit'`, [
        ids,
      ]);
      return ids;
    });
    if (released.length > 0) {
      this.logger.log({ accountId, released: released.length }, 'released SMS that waited for credits');
      await this.queue.requeue(released);
    }
    return released.length;
  }

  /** For the outbox sweep: a month that rolled over with nobody buying credits still releases held texts. */
  async releaseWhereCredited(): Promise<number> {
    const accounts = (await this.dataSource.query(`SELECT DISTINCT account_id FROM sms_messages WHERE status = 'held_no_credit' LIMIT 1000`)) as {
      account_id: string;
    }[];
    let released = 0;
    for (const { account_id: accountId } of accounts) {
      try {
        released += await this.release(accountId);
      } catch (e) {
        this.logger.warn({ err: e, accountId }, 'could not release held SMS; the next sweep tries again');
      }
    }
    return released;
  }
}
