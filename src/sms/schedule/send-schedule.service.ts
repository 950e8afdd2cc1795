import { InjectQueue } from '@nestjs/bullmq';
import { ForbiddenException, Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import { EntityManager, LessThan, Repository } from 'typeorm';
import { runPrepared } from '../core/prepared';
import { Clock } from '../clock/clock';
import { OutboundQueue } from '../messages/outbound-queue.service';
import { SmsMessage } from '../messages/sms-message.entity';
import { TICKET_GATEWAY, type TicketGateway } from '../ports/ticket-gateway.port';
import { jobEnded, SendMessageJob, SmsQueue } from '../queues/queues';
import { SmsSettings } from '../settings/sms-settings.entity';
import { SmsSettingsService } from '../settings/sms-settings.service';
import { SMS_MODULE_OPTIONS, type ResolvedSmsOptions } from '../sms.options';
import { POSTPONE, RELEASE } from './schedule.queries';
import { nextOpening } from './business-hours';
import { BusinessHoursService } from './business-hours.service';

/** How a new outbound row starts: now, or held until the account opens; `sendNow` is kept on the row. */
export interface SendPlan {
  status: 'pending' | 'scheduled';
  sendAt: Date | null;
  /** Written with `sendNow`: hours never hold it, also when it is released after waiting for credits. */
  sendNow: boolean;
}

export { SUBJECT_TO_HOURS } from './hours-exemption';

// Hours that never open (every date a holiday for a year) are looked at again daily rather than never.
const RECHECK_NEVER_OPEN_MS = 24 * 3600 * 1000;
// A scheduled row this far past its sendAt whose job is still delayed was mis-planned (a lost re-plan): run it.
const OVERDUE_MS = 10_000;
const SWEEP_BATCH = 500;
// Redis calls in flight at once while moving the jobs of a re-plan.
const MOVE_CONCURRENCY = 50;

/**
 * Business-hours gate of outbound texts. A text written while the account is closed (with
 * `businessHoursOnly` on) is `scheduled` with `sendAt` = the next opening, and its job waits as a BullMQ
 * delayed job. When the job runs the hours are read again (they may have changed): the row is released
 * to `pending` or its job is delayed again. Changing the hours re-plans every waiting row of the account.
 */
@Injectable()
export class SendSchedule {
  private readonly logger = new Logger(SendSchedule.name);

  constructor(
    @InjectRepository(SmsMessage) private readonly messages: Repository<SmsMessage>,
    @InjectQueue(SmsQueue.Outbound) private readonly queue: Queue<SendMessageJob>,
    @Inject(TICKET_GATEWAY) private readonly gateway: TicketGateway,
    @Inject(SMS_MODULE_OPTIONS) private readonly options: ResolvedSmsOptions,
    private readonly settings: SmsSettingsService,
    private readonly businessHours: BusinessHoursService,
    private readonly messageQueue: OutboundQueue,
    private readonly clock: Clock,
  ) {}

  /** When a text of this account may go, seen from `now`: `now` itself when it may go at once. */
  async dueAt(accountId: string, now: Date, tx?: EntityManager, given?: SmsSettings): Promise<Date> {
    const settings = given ?? (await this.settings.get(accountId, tx));
    if (!settings.businessHoursOnly) return now;
    const hours = await this.businessHours.hoursOf(accountId, settings, tx);
    return nextOpening(hours, now) ?? new Date(now.getTime() + RECHECK_NEVER_OPEN_MS);
  }

  /** Status and sendAt of a row about to be written; `sendNow` (already authorised) skips the hours. */
  async plan(tx: EntityManager, accountId: string, sendNow: boolean): Promise<SendPlan> {
    if (sendNow) return { status: 'pending', sendAt: null, sendNow: true };
    const now = this.clock.now();
    const due = await this.dueAt(accountId, now, tx);
    return due.getTime() > now.getTime()
      ? { status: 'scheduled', sendAt: due, sendNow: false }
      : { status: 'pending', sendAt: null, sendNow: false };
  }

  /** `sendNow` is an admin's to use, or a technician's when an admin allows it; 403 with the reason otherwise. */
  async assertMaySendNow(tx: EntityManager, accountId: string, userId: string | null): Promise<void> {
    if ((await this.settings.get(accountId, tx)).allowSendNow) return;
    const user = userId ? await this.gateway.getUser(accountId, userId, tx) : null;
    if (user?.role === 'admin') return;
    throw new ForbiddenException(
      'Sending outside business hours (sendNow) is off for technicians; an admin can allow it with the SMS setting allowSendNow',
    );
  }

  /**
   * The gate, run by the send job on the row it has just read (with the account's settings, in the same statement):
   * null when the row may go now (a `scheduled` row is released to `pending`, in `row` too), or how many ms its job
   * must wait still (the row's sendAt is updated to match).
   */
  async holdFor(
    row: Pick<SmsMessage, 'id' | 'accountId' | 'status' | 'sendAt'>,
    settings?: SmsSettings,
  ): Promise<number | null> {
    if (row.status !== 'scheduled') return null;
    const now = this.clock.now();
    const due = await this.dueAt(row.accountId, now, undefined, settings);
    if (due.getTime() <= now.getTime()) {
      const released = await runPrepared(this.messages.manager, RELEASE, [row.id]);
      // Not released: the row changed meanwhile; it stays `scheduled` here and the pipeline reads it again.
      if (released.length === 1) row.status = 'pending';
      return null;
    }
    if (row.sendAt?.getTime() !== due.getTime()) await runPrepared(this.messages.manager, POSTPONE, [row.id, due]);
    return due.getTime() - now.getTime();
  }

  /** After the account's hours changed: every waiting row gets the new opening and its delayed job moves with it. */
  async replan(accountId: string): Promise<number> {
    const now = this.clock.now();
    const sendAt = await this.dueAt(accountId, now);
    const result = await this.messages
      .createQueryBuilder()
      .update(SmsMessage)
      .set({ sendAt })
      .where('account_id = :accountId AND status = :status', { accountId, status: 'scheduled' })
      .returning(['id'])
      .execute();
    const ids = (result.raw as { id: string }[]).map((r) => r.id);
    const delayMs = Math.max(0, sendAt.getTime() - now.getTime());
    for (let i = 0; i < ids.length; i += MOVE_CONCURRENCY) {
      await Promise.all(ids.slice(i, i + MOVE_CONCURRENCY).map((id) => this.moveJob(id, delayMs)));
    }
    if (ids.length > 0)
      this.logger.log({ accountId, replanned: ids.length, sendAt }, 'business hours changed: scheduled SMS re-planned');
    return ids.length;
  }

  /**
   * Outbox sweep for scheduled rows: one due before the next sweep whose job is gone (a flushed Redis) gets
   * its delayed job back; one overdue whose job still waits in the delayed set is run now (the gate decides).
   */
  async sweep(): Promise<number> {
    const now = this.clock.now();
    const rows = await this.messages.find({
      select: { id: true, sendAt: true },
      where: { status: 'scheduled', sendAt: LessThan(new Date(now.getTime() + this.options.outboxSweepMs)) },
      order: { sendAt: 'ASC' },
      take: SWEEP_BATCH,
    });
    let restored = 0;
    for (const row of rows) {
      const delayMs = (row.sendAt?.getTime() ?? now.getTime()) - now.getTime();
      const state = await this.queue.getJobState(row.id);
      if (state === 'delayed' && delayMs < -OVERDUE_MS) {
        await this.moveJob(row.id, 0);
        restored++;
      } else if (jobEnded(state)) {
        await this.moveJob(row.id, delayMs);
        restored++;
      }
    }
    if (restored > 0) this.logger.warn({ restored }, 'outbox sweep restored jobs of scheduled SMS');
    return restored;
  }

  /**
   * Puts the row's job `delayMs` from now, whatever state the job is in; an active or waiting job is left to the gate.
   */
  private async moveJob(messageId: string, delayMs: number): Promise<void> {
    const job = await this.queue.getJob(messageId);
    const state = job ? await job.getState() : 'unknown';
    try {
      if (job && state === 'delayed') {
        await (delayMs > 0 ? job.changeDelay(delayMs) : job.promote());
        return;
      }
      if (job && (state === 'completed' || state === 'failed')) await job.remove();
      if (jobEnded(state)) await this.messageQueue.enqueue([messageId], delayMs);
    } catch (e) {
      // The job left the delayed set meanwhile (a worker took it); the gate re-reads the hours when it runs.
      this.logger.debug({ messageId, err: e }, 'scheduled SMS job moved on before it could be re-planned');
    }
  }
}
