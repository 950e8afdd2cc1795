import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { EntityManager } from 'typeorm';
import { runPrepared } from '../core/prepared';
import { SmsSettingsService } from '../settings/sms-settings.service';
import { SendPlan, SendSchedule } from './send-schedule.service';
import { TEXTED_WITHIN } from './schedule.queries';

/** A contact's thread on a number as a statement read it: when the contact last texted it, and the database's now(). */
export interface ThreadAsRead {
  lastInboundAt: Date | null;
  now: Date;
}

/** A text about to be written, as the live-reply rule sees it. */
export interface LiveReplyInput {
  accountId: string;
  /** Already authorised: go at once whatever the hours. */
  sendNow: boolean;
  /** A person wrote it (a reply, a ticket update's text, a compose); automated notices are never live replies. */
  byPerson: boolean;
  businessNumber: string;
  contactPhone: string;
}

/**
 * Business hours hold notifications, not answers to a waiting person: a person's text to a contact who texted this
 * number within the account's live-reply window (liveReplyWindowMinutes, default 24 hours) goes at once, written as a
 * `sendNow` text so that hours never hold it later either (after waiting for credits). Everything else is planned by
 * SendSchedule as before.
 */
@Injectable()
export class LiveReplies {
  constructor(
    private readonly schedule: SendSchedule,
    private readonly settings: SmsSettingsService,
    @InjectEntityManager() private readonly manager: EntityManager,
  ) {}

  async plan(tx: EntityManager, input: LiveReplyInput): Promise<SendPlan> {
    if (input.sendNow || !input.byPerson) return this.schedule.plan(tx, input.accountId, input.sendNow);
    return this.schedule.plan(tx, input.accountId, await this.isLive(input, tx));
  }

  /**
   * The same rule on a thread already read: whether the contact's last text (`lastInboundAt`) is within `windowMinutes`
   * of the database's `now` when it was read, as the statement behind `isLive` compares them.
   */
  static textedWithin(thread: ThreadAsRead, windowMinutes: number): boolean {
    if (windowMinutes <= 0 || !thread.lastInboundAt) return false;
    return thread.lastInboundAt.getTime() >= thread.now.getTime() - windowMinutes * 60_000;
  }

  /** Whether the contact texted this business number within the account's live-reply window. */
  async isLive(
    thread: Pick<LiveReplyInput, 'accountId' | 'businessNumber' | 'contactPhone'>,
    tx?: EntityManager,
  ): Promise<boolean> {
    const { liveReplyWindowMinutes } = await this.settings.get(thread.accountId, tx);
    if (liveReplyWindowMinutes <= 0) return false;
    const rows = await runPrepared(tx ?? this.manager, TEXTED_WITHIN, [
      thread.accountId,
      thread.businessNumber,
      thread.contactPhone,
      liveReplyWindowMinutes,
    ]);
    return rows.length > 0;
  }
}
