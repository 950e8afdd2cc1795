import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { Clock } from '../clock/clock';
import { addJob, type JobPayloads, type JobsOn, type SmsQueueOf } from '../queues/jobs';
import { CheckResponseDeadlineJob, jobEnded, LapseClaimJob, SmsJob, SmsQueue } from '../queues/queues';
import { SMS_SETTINGS_DEFAULTS } from '../settings/sms-settings.entity';
import { onCommit } from './sms-events.service';
import { SmsConversation } from './sms-conversation.entity';
import { LIVE_CLAIMS, OPEN_DIRECT_WAITS } from './conversations.queries';

/** Timers the sweep checks per run, of each kind. */
const SWEEP_BATCH = 500;

type TimerJob = JobsOn<SmsQueue.Timers>;

/** Job ids are built from the rows, so whoever adds one (the writer after commit, the sweep) adds the same one. */
export const lapseJobId = (claimId: string, expiresAt: Date) => `lapse-${claimId}-${expiresAt.getTime()}`;
export const deadlineJobId = (conversationId: string, startedAt: Date) =>
  `deadline-${conversationId}-${startedAt.getTime()}`;

/**
 * Claim expiry and response deadlines as delayed jobs, so they act when due with nobody looking: a claim lapses (and
 * says so) at its expiry, and an agent's availability is evaluated when a contact's wait passes the response time.
 * The rows in PostgreSQL are the truth; the sweep rebuilds jobs lost with Redis and runs those already due.
 */
@Injectable()
export class ConversationTimers {
  private readonly logger = new Logger(ConversationTimers.name);

  constructor(
    @InjectQueue(SmsQueue.Timers) private readonly queue: SmsQueueOf<SmsQueue.Timers>,
    @InjectRepository(SmsConversation) private readonly conversations: Repository<SmsConversation>,
    private readonly clock: Clock,
  ) {}

  /** Once `tx` commits: the claim lapses at `expiresAt` unless extended, released or handed on by then. */
  claimSet(tx: EntityManager, job: LapseClaimJob, expiresAt: Date): void {
    onCommit(tx, () => this.add(SmsJob.LapseClaim, job, lapseJobId(job.claimId, expiresAt), expiresAt));
  }

  /** Once `tx` commits: the contact's wait on a direct number reaches the response time `responseMs` after it began. */
  waitOpened(tx: EntityManager, job: CheckResponseDeadlineJob, startedAt: Date, responseMs: number): void {
    const due = new Date(startedAt.getTime() + responseMs);
    onCommit(tx, () => this.add(SmsJob.CheckResponseDeadline, job, deadlineJobId(job.conversationId, startedAt), due));
  }

  /**
   * Gives every live claim and every unchecked direct wait its job (a flushed Redis, a crash before the add), and
   * runs at once the ones whose time has come by the module's clock. Returns how many it added or moved forward.
   */
  async sweep(): Promise<number> {
    const now = this.clock.now();
    let changed = 0;
    const claims = (await this.conversations.query(LIVE_CLAIMS, [SWEEP_BATCH])) as {
      account_id: string;
      id: string;
      claim_id: string;
      claim_expires_at: Date;
    }[];
    for (const c of claims) {
      const job = { accountId: c.account_id, conversationId: c.id, claimId: c.claim_id };
      if (
        await this.ensure(SmsJob.LapseClaim, job, lapseJobId(c.claim_id, c.claim_expires_at), c.claim_expires_at, now)
      )
        changed++;
    }
    const waits = (await this.conversations.query(OPEN_DIRECT_WAITS, [
      SWEEP_BATCH,
      SMS_SETTINGS_DEFAULTS.responseTimeMinutes,
    ])) as { account_id: string; conversation_id: string; started_at: Date; response_minutes: number }[];
    for (const w of waits) {
      const due = new Date(w.started_at.getTime() + w.response_minutes * 60_000);
      const job = { accountId: w.account_id, conversationId: w.conversation_id };
      if (
        await this.ensure(SmsJob.CheckResponseDeadline, job, deadlineJobId(w.conversation_id, w.started_at), due, now)
      )
        changed++;
    }
    if (changed > 0) this.logger.log({ changed }, 'conversation timers added or run by the sweep');
    return changed;
  }

  /** Adds the job if it has none, or runs it now if it waits beyond its time. */
  private async ensure<N extends TimerJob>(
    name: N,
    data: JobPayloads[N],
    jobId: string,
    due: Date,
    now: Date,
  ): Promise<boolean> {
    const existing = await this.queue.getJob(jobId);
    const state = existing ? await existing.getState() : 'unknown';
    if (jobEnded(state)) {
      if (existing) await existing.remove();
      await this.add(name, data, jobId, due);
      return true;
    }
    if (state === 'delayed' && due.getTime() <= now.getTime()) {
      await existing!.promote();
      return true;
    }
    return false;
  }

  private async add<N extends TimerJob>(name: N, data: JobPayloads[N], jobId: string, due: Date) {
    try {
      await addJob(this.queue, name, data, { jobId, delayMs: due.getTime() - this.clock.now().getTime() });
    } catch (e) {
      this.logger.warn({ err: e, jobId }, 'could not add a conversation timer; the sweep adds it');
    }
  }
}
