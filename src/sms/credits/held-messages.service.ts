import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../clock/clock';
import { OutboundQueue } from '../messages/outbound-queue.service';
import { SendSchedule, SUBJECT_TO_HOURS } from '../schedule/send-schedule.service';
import { CreditLedger } from './credit-ledger.service';
import { creditsFor, plannedRelease } from './credit-rules';

// A release looks at this many held texts at a time; the next purchase or sweep takes the rest.
const RELEASE_BATCH = 1000;

interface HeldRow {
  id: string;
  send_id: string;
  part_index: number;
}

interface ReleasedRow {
  id: string;
  status: 'pending' | 'scheduled';
}

/** What a release moved: to `pending` (enqueued now) and to `scheduled` (enqueued `delayMs` from now, at the opening). */
interface Released {
  pending: string[];
  scheduled: string[];
  delayMs: number;
}
const NOTHING: Released = { pending: [], scheduled: [], delayMs: 0 };

interface UnsentPart {
  send_id: string;
  part_index: number;
  segments: number;
  credits: number;
}

/**
 * Texts waiting as `held_no_credit`. When credits arrive (a purchase, a new month, a refund) the oldest go back to
 * `pending`, as many as the credits cover, and are enqueued in the order they were written. While the account is
 * closed (`businessHoursOnly`), a text business hours apply to goes to `scheduled` for the next opening instead, as
 * one written at that moment would: credits arriving at midnight send nothing to customers at midnight.
 */
@Injectable()
export class HeldMessages {
  private readonly logger = new Logger(HeldMessages.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly ledger: CreditLedger,
    private readonly queue: OutboundQueue,
    private readonly schedule: SendSchedule,
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
      if (available <= 0) return NOTHING;
      const held = (await tx.query(
        `SELECT id, send_id, part_index FROM sms_messages WHERE account_id = $1 AND status = 'held_no_credit'
         ORDER BY created_at, part_index LIMIT ${RELEASE_BATCH}`,
        [accountId],
      )) as HeldRow[];
      if (held.length === 0) return NOTHING;
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
      if (plan.length === 0) return NOTHING;
      const ids = plan.map((p) => p.id);
      // Read after the balance lock, like everything else here; the settings are only read, so the lock order stays
      // balance → message rows. Closed now: the next opening, which texts subject to hours wait for.
      const now = this.clock.now();
      const due = await this.schedule.dueAt(accountId, now, tx);
      const opening = due.getTime() > now.getTime() ? due : null;
      const rows = (await tx.query(
        `UPDATE sms_messages
            SET status = CASE WHEN $2::timestamptz IS NOT NULL AND ${SUBJECT_TO_HOURS} THEN 'scheduled' ELSE 'pending' END,
                send_at = CASE WHEN $2::timestamptz IS NOT NULL AND ${SUBJECT_TO_HOURS} THEN $2::timestamptz ELSE send_at END,
                error_message = NULL, updated_at = now()
          WHERE id = ANY($1::uuid[]) AND status = 'held_no_credit'
          RETURNING id, status`,
        [ids, opening],
      )) as [ReleasedRow[], number];
      const status = new Map(rows[0].map((r) => [r.id, r.status]));
      // In the order they were written, as `plan` has them.
      const inStatus = (wanted: ReleasedRow['status']) => ids.filter((id) => status.get(id) === wanted);
      return {
        pending: inStatus('pending'),
        scheduled: inStatus('scheduled'),
        delayMs: opening ? opening.getTime() - now.getTime() : 0,
      };
    });
    const count = released.pending.length + released.scheduled.length;
    if (count === 0) return 0;
    this.logger.log(
      { accountId, released: count, untilOpening: released.scheduled.length },
      'released SMS that waited for credits',
    );
    await this.queue.requeue(released.pending);
    // Their jobs wait as delayed jobs; the send job's gate reads the hours again when they run.
    if (released.scheduled.length > 0) await this.queue.requeue(released.scheduled, released.delayMs);
    return count;
  }

  /** For the outbox sweep: a month that rolled over with nobody buying credits still releases held texts. */
  async releaseWhereCredited(): Promise<number> {
    const accounts = (await this.dataSource.query(
      `SELECT DISTINCT account_id FROM sms_messages WHERE status = 'held_no_credit' LIMIT 1000`,
    )) as {
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
