import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DateTime } from 'luxon';
import { EntityManager, IsNull, MoreThan, Not, Repository } from 'typeorm';
import { runPrepared } from '../core/prepared';
import { Clock } from '../clock/clock';
import { maskPhone } from '../logging/mask';
import { OutboundText, OutboundWriter } from '../messages/outbound-writer.service';
import { SmsMessage } from '../messages/sms-message.entity';
import { SmsNumber } from '../numbers/sms-number.entity';
import { TICKET_GATEWAY, type TicketGateway } from '../ports/ticket-gateway.port';
import { BusinessHours, isOpen, nextOpening } from '../schedule/business-hours';
import { BusinessHoursService } from '../schedule/business-hours.service';
import { SmsSettingsService } from '../settings/sms-settings.service';
import { templateVariables } from '../templates/sms-templates.service';
import { firstName, type TemplateVariables } from '../templates/template-renderer';
import { AfterHoursLevel, AfterHoursReply } from './after-hours-reply.entity';
import { DEFAULT_WINDOW_HOURS } from './after-hours.dto';
import { ANY_REPLY_ON, CLAIM_CONTACT_WINDOW } from './after-hours.queries';

/** An inbound text as the after-hours rule needs it. */
export interface AfterHoursInbound {
  accountId: string;
  /** E.164 number of the account the contact texted. */
  businessNumber: string;
  /** E.164 number of the contact. */
  contactPhone: string;
  /** The ticket the text was matched to, if any: the reply can name it. */
  ticketId?: string | null;
  receivedAt: Date;
  /** Whether the account had any after-hours reply switched on, when the caller read it already; asked otherwise. */
  anyReplyOn?: boolean;
}

export type AfterHoursSkip =
  | 'unknown_number' // not a number of this account
  | 'unassigned_number' // nobody holds the number: it sends nothing, automatic replies included
  | 'not_a_phone' // the sender is a short code or a name: nothing to text back to
  | 'sms_off' // the account has SMS turned off
  | 'disabled' // the level that applies has no reply (or is switched off)
  | 'open' // the level's hours are open
  | 'agent_replied' // an agent texted this contact minutes ago: they are around
  | 'already_replied'; // the contact had an after-hours reply within the window

export type AfterHoursOutcome =
  { replied: true; messageId: string; level: AfterHoursLevel } | { replied: false; reason: AfterHoursSkip };

const E164 = /^\+[1-9]\d{6,14}$/;

/** A person who texted the contact this recently is still at work: no "we are closed" reply. */
export const AGENT_REPLY_QUIET_MS = 5 * 60_000;

interface Level {
  level: AfterHoursLevel;
  ownerId: string;
}

/**
 * Answers a text that arrives while closed with the reply of the most specific level that has one:
 * direct number → its user → the user's teams → account; group number → its team → account; shared
 * number → account. At most once per contact per window, and not when an agent texted the contact in the
 * last five minutes. The reply is an ordinary outbound row (kind `after_hours`) sent and metered by the
 * send pipeline like any other.
 */
@Injectable()
export class AfterHoursService {
  private readonly logger = new Logger(AfterHoursService.name);

  constructor(
    @InjectRepository(AfterHoursReply) private readonly replies: Repository<AfterHoursReply>,
    @InjectRepository(SmsNumber) private readonly numbers: Repository<SmsNumber>,
    @InjectRepository(SmsMessage) private readonly messages: Repository<SmsMessage>,
    @Inject(TICKET_GATEWAY) private readonly gateway: TicketGateway,
    private readonly settings: SmsSettingsService,
    private readonly businessHours: BusinessHoursService,
    private readonly writer: OutboundWriter,
    private readonly clock: Clock,
  ) {}

  async onInbound(text: AfterHoursInbound): Promise<AfterHoursOutcome> {
    const outcome = await this.decide(text);
    const log = { accountId: text.accountId, contact: maskPhone(text.contactPhone), ...outcome };
    this.logger.debug(log, outcome.replied ? 'after-hours reply written' : 'no after-hours reply');
    return outcome;
  }

  private async decide(text: AfterHoursInbound): Promise<AfterHoursOutcome> {
    const skip = (reason: AfterHoursSkip): AfterHoursOutcome => ({ replied: false, reason });
    if (!E164.test(text.contactPhone)) return skip('not_a_phone');
    // Most accounts never turn a reply on: one indexed look settles every inbound text of theirs.
    const anyReplyOn =
      text.anyReplyOn ?? (await runPrepared(this.replies.manager, ANY_REPLY_ON, [text.accountId])).length > 0;
    if (!anyReplyOn) return skip('disabled');
    const number = await this.numbers.findOne({ where: { accountId: text.accountId, number: text.businessNumber } });
    if (!number) return skip('unknown_number');
    if (number.kind === 'unassigned') return skip('unassigned_number');
    const settings = await this.settings.get(text.accountId);
    if (!settings.enabled) return skip('sms_off');

    const { reply, account, technician } = await this.resolve(number);
    if (!reply?.enabled) return skip('disabled');
    const hours = reply.hours ?? (await this.businessHours.hoursOf(text.accountId, settings));
    // Closed when the text came and still closed now: a text handled late, after opening, is for the people at work.
    const now = this.clock.now();
    if (isOpen(hours, text.receivedAt) || isOpen(hours, now)) return skip('open');
    if (await this.agentRepliedRecently(text)) return skip('agent_replied');

    const windowMs = (account?.windowHours ?? DEFAULT_WINDOW_HOURS) * 3600_000;
    const written = await this.messages.manager.transaction(async (tx) => {
      if (!(await this.claim(tx, text, windowMs))) return null;
      return this.writer.write(tx, {
        accountId: text.accountId,
        kind: 'after_hours',
        // From the number the contact texted; an automatic reply, never held for business hours.
        to: text.contactPhone,
        from: text.businessNumber,
        text: await this.text(text, reply, hours, technician, now, tx),
        ticketId: text.ticketId ?? null,
        authorId: null,
        schedule: 'at-once',
        settings,
      });
    });
    if (!written) return skip('already_replied');
    await this.writer.dispatch(written);
    return { replied: true, messageId: written.rowIds[0], level: reply.level };
  }

  /** The reply of the most specific level that has one, the account's row (for the window), and a direct number's user. */
  private async resolve(number: SmsNumber) {
    const accountLevel: Level = { level: 'account', ownerId: number.accountId };
    const chain: Level[] = [];
    let technician: { name: string } | null = null;
    if (number.kind === 'direct' && number.userId) {
      const user = await this.gateway.getUser(number.accountId, number.userId);
      technician = user;
      chain.push(
        { level: 'user', ownerId: number.userId },
        ...(user?.teamIds ?? []).map((ownerId): Level => ({ level: 'team', ownerId })),
      );
    } else if (number.kind === 'group' && number.teamId) {
      chain.push({ level: 'team', ownerId: number.teamId });
    }
    chain.push(accountLevel);
    const rows = await this.replies.find({
      where: chain.map((l) => ({ accountId: number.accountId, level: l.level, ownerId: l.ownerId })),
    });
    const rowOf = (l: Level) => rows.find((r) => r.level === l.level && r.ownerId === l.ownerId) ?? null;
    const reply = chain.map(rowOf).find((r) => r !== null) ?? null;
    return { reply, account: rowOf(accountLevel), technician };
  }

  /** Outbound texts from a person (not automatic ones) to this contact in the last few minutes. */
  private agentRepliedRecently(text: AfterHoursInbound): Promise<boolean> {
    return this.messages.exists({
      where: {
        accountId: text.accountId,
        direction: 'outbound',
        toNumber: text.contactPhone,
        createdByUserId: Not(IsNull()),
        status: Not('skipped'),
        createdAt: MoreThan(new Date(text.receivedAt.getTime() - AGENT_REPLY_QUIET_MS)),
      },
    });
  }

  /**
   * Takes this contact's window, or finds it taken. One statement: two texts at once both reach the
   * conflicting key, the second waits for the first to commit and then sees its fresh time.
   */
  private async claim(tx: EntityManager, text: AfterHoursInbound, windowMs: number): Promise<boolean> {
    const rows: unknown[] = await tx.query(CLAIM_CONTACT_WINDOW, [
      text.accountId,
      text.contactPhone,
      text.receivedAt,
      new Date(text.receivedAt.getTime() - windowMs),
    ]);
    return rows.length === 1;
  }

  /** The reply's template, its own body or the account's `after_hours` template, with the values it may name. */
  private async text(
    text: AfterHoursInbound,
    reply: AfterHoursReply,
    hours: BusinessHours,
    technician: { name: string } | null,
    now: Date,
    tx: EntityManager,
  ): Promise<OutboundText> {
    const opening = nextOpening(hours, now);
    const extra: Partial<TemplateVariables> = {
      businessHours: {
        nextOpening: opening
          ? (DateTime.fromJSDate(opening, { zone: hours.timezone }).toISO() ?? undefined)
          : undefined,
      },
      timezone: hours.timezone,
    };
    const context = text.ticketId ? await this.gateway.getTicketContext(text.accountId, text.ticketId, null, tx) : null;
    let variables: TemplateVariables;
    if (context) {
      variables = templateVariables(context, extra);
    } else {
      const account = await this.gateway.getAccount(text.accountId, tx);
      variables = { account: { name: account?.name ?? '' }, ...extra };
    }
    if (technician) variables.technician = { name: technician.name, firstName: firstName(technician.name) };
    return reply.body !== null ? { templateSource: reply.body, variables } : { template: 'after_hours', variables };
  }
}
