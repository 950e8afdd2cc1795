import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock } from '../clock/clock';
import { PreparedStatement, runPrepared } from '../core/prepared';
import { SmsSettingsService } from '../settings/sms-settings.service';
import { SendPlan, SendSchedule } from './send-schedule.service';

// Prepared: every text a person writes from outside the conversation view asks it.
const LAST_INBOUND: PreparedStatement = {
  name: 'sms-live-reply-last-inbound',
  text: `SELECT last_inbound_at FROM sms_conversations WHERE account_id = $1 AND business_number = $2 AND contact_phone = $3`,
};

/** A text about to be written, as the live-reply rule sees it. */
export interface LiveReplyInput {
  accountId: string;
  /** Already authorised: go at once whatever the hours. */
  sendNow: boolean;
  /** A person wrote it (a reply, a ticket update's text, a compose); automated notices are never live replies. */
  byPerson: boolean;
  /** When the contact last texted this business number; read from the conversation when absent. */
  lastInboundAt?: Date | null;
  businessNumber: string;
  contactPhone: string;
}

/** Whether `lastInboundAt` is within the account's live-reply window of `now` (0 minutes: never). */
export function isLiveReply(lastInboundAt: Date | null, windowMinutes: number, now: Date): boolean {
  if (!lastInboundAt || windowMinutes <= 0) return false;
  const age = now.getTime() - lastInboundAt.getTime();
  return age >= 0 && age <= windowMinutes * 60_000;
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
    private readonly clock: Clock,
  ) {}

  async plan(tx: EntityManager, input: LiveReplyInput): Promise<SendPlan> {
    if (input.sendNow || !input.byPerson) return this.schedule.plan(tx, input.accountId, input.sendNow);
    const { liveReplyWindowMinutes } = await this.settings.get(input.accountId, tx);
    const lastInboundAt =
      input.lastInboundAt !== undefined
        ? input.lastInboundAt
        : await this.lastInbound(tx, input.accountId, input.businessNumber, input.contactPhone);
    const live = isLiveReply(lastInboundAt, liveReplyWindowMinutes, this.clock.now());
    return this.schedule.plan(tx, input.accountId, live);
  }

  private async lastInbound(
    tx: EntityManager,
    accountId: string,
    businessNumber: string,
    contactPhone: string,
  ): Promise<Date | null> {
    const [row] = await runPrepared<{ last_inbound_at: Date | null }>(tx, LAST_INBOUND, [
      accountId,
      businessNumber,
      contactPhone,
    ]);
    return row?.last_inbound_at ?? null;
  }
}
