import { Inject, Injectable } from '@nestjs/common';
import { columnList, hydrate, hydratePrefixed, prefixedColumnList } from '../../common/hydrate';
import { PreparedStatement, runPrepared } from '../../common/prepared';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { AfterHoursService } from '../after-hours/after-hours.service';
import { Clock } from '../clock/clock';
import { SmsConversation } from '../conversations/sms-conversation.entity';
import { ConversationsService } from '../conversations/conversations.service';
import { InboundMediaService } from '../media/inbound-media.service';
import { SmsMedia } from '../media/sms-media.entity';
import { contactLockKeySql } from '../messages/contact-lock';
import { SmsMessage } from '../messages/sms-message.entity';
import { KeywordKind, smsKeyword } from '../opt-outs/opt-out-keywords';
import { OptOutsService } from '../opt-outs/opt-outs.service';
import { CustomerSummary, TICKET_GATEWAY, TicketGateway, TicketSummary } from '../ports/ticket-gateway.port';
import { SmsSettings } from '../settings/sms-settings.entity';
import { SmsSettingsService } from '../settings/sms-settings.service';
import { MatchDecision, matchReply, MatchRule, ticketReferences, ticketSubjectFromSms } from './reply-matching';
import { replyAttachments, replyCommentBody } from './reply-comment';

export type InboundKind = 'reply' | 'help' | 'opt_out' | 'opt_in';

export type InboundOutcome =
  | { outcome: 'already-done' }
  | { outcome: 'processed'; kind: InboundKind; ticketId: string | null; rule: MatchRule | null; guess: boolean };

interface Landing {
  customerId: string | null;
  ticketId: string | null;
  commentId: string | null;
  rule: MatchRule | null;
  guess: boolean;
  kind: InboundKind;
}

// The two statements on the message row itself are prepared: they run for every inbound text.
const SETTINGS_PREFIX = 'settings__';
const MARK_PROCESSED: PreparedStatement = {
  name: 'sms-inbound-processed',
  text: `UPDATE sms_messages SET status = 'processed', kind = $2, conversation_id = $3, customer_id = $4, ticket_id = $5, comment_id = $6,
           match_rule = $7, match_guess = $8, updated_at = now()
         WHERE id = $1`,
};

/**
 * Lands one inbound text, exactly once: the message row is locked and must still be `received`, and the
 * comment, the ticket's status and the row's new state commit together. Texts from one phone to one account
 * are processed one at a time, so a new number texting twice at once still becomes one customer.
 */
@Injectable()
export class InboundProcessing {
  constructor(
    @InjectRepository(SmsMessage) private readonly messages: Repository<SmsMessage>,
    @Inject(TICKET_GATEWAY) private readonly gateway: TicketGateway,
    private readonly settings: SmsSettingsService,
    private readonly conversations: ConversationsService,
    private readonly optOuts: OptOutsService,
    private readonly media: InboundMediaService,
    private readonly clock: Clock,
    private readonly afterHours: AfterHoursService,
  ) {
    // One round trip opens the landing: the row locked (a second run of the job waits here), then the lock on the
    // contact's texts (in that order: the CTE with FOR UPDATE runs first), the account's settings, and whether any
    // after-hours reply is on.
    this.lockInbound = {
      name: 'sms-inbound-lock',
      text: `
        WITH m AS (
          SELECT ${columnList(messages.manager, SmsMessage)} FROM sms_messages WHERE id = $1 AND direction = 'inbound' FOR UPDATE
        )
        SELECT m.*, ${prefixedColumnList(messages.manager, SmsSettings, 's', SETTINGS_PREFIX)},
               EXISTS (SELECT 1 FROM sms_after_hours_replies r WHERE r.account_id = m.account_id AND r.enabled) AS after_hours_on,
               pg_advisory_xact_lock(hashtextextended(${contactLockKeySql('m.account_id', 'm.from_number')}, 0)) AS contact_lock
        FROM m LEFT JOIN sms_settings s ON s.account_id = m.account_id`,
    };
  }

  private readonly lockInbound: PreparedStatement;

  async process(messageId: string): Promise<InboundOutcome> {
    const now = this.clock.now();
    // Everything is read under the row lock: a second run of the same job waits here, then finds it processed.
    const done = await this.messages.manager.transaction(async (tx) => {
      const [row] = await runPrepared(tx, this.lockInbound, [messageId]);
      const message = row ? hydrate(tx, SmsMessage, row) : null;
      if (!message || message.status !== 'received') return null;
      const settings = this.settings.remember(tx, message.accountId, hydratePrefixed(tx, SmsSettings, row, SETTINGS_PREFIX));
      const anyAfterHoursReplyOn = row.after_hours_on === true;
      const keyword = smsKeyword(message.body);
      let media: SmsMedia[] = [];
      if ((message.inboundMedia?.length ?? 0) > 0 && keyword?.kind !== 'opt_out') {
        // Every media child has finished by now; an item without a result is one whose job gave up.
        await this.media.rejectUnfinished(message, 'it could not be downloaded from our SMS provider', tx);
        media = await this.media.forMessage(messageId, tx);
      }
      const conversation = await this.conversations.touchInbound(tx, {
        accountId: message.accountId,
        businessNumber: message.toNumber!,
        contactPhone: message.fromNumber!,
        at: message.createdAt,
        message: { id: message.id, body: message.body },
      });
      const customers = await this.gateway.findCustomersByPhone(message.accountId, message.fromNumber!, tx);
      const landed =
        keyword && (keyword.kind === 'opt_out' || (keyword.kind === 'opt_in' && (await this.optOuts.isOptedOut(message.accountId, message.fromNumber!, tx))))
          ? await this.applyKeyword(tx, message, keyword, conversation, customers, settings, now)
          : await this.landReply(tx, message, keyword?.kind === 'help' ? 'help' : 'reply', conversation, customers, settings, now, media);
      await runPrepared(tx, MARK_PROCESSED, [
        message.id,
        landed.kind,
        conversation.id,
        landed.customerId,
        landed.ticketId,
        landed.commentId,
        landed.rule,
        landed.guess,
      ]);
      return { landing: landed, message, settings, hasMedia: media.length > 0, anyAfterHoursReplyOn };
    });
    if (!done) return { outcome: 'already-done' };
    const { landing, message, settings } = done;
    // While closed, a customer's text gets the after-hours reply of the level that applies (at most once per window).
    if (landing.kind === 'reply') {
      await this.afterHours.onInbound({
        accountId: message.accountId,
        businessNumber: message.toNumber!,
        contactPhone: message.fromNumber!,
        ticketId: landing.ticketId,
        receivedAt: message.createdAt,
        anyReplyOn: done.anyAfterHoursReplyOn,
      });
    }

    // Talking to the outside world waits for the commit: the comment already references our copies.
    if (settings.deleteProviderMedia && done.hasMedia) await this.media.deleteAtProvider(message);
    return { outcome: 'processed', kind: landing.kind, ticketId: landing.ticketId, rule: landing.rule, guess: landing.guess };
  }

  /** After the last retry: the text stays visible (triage lists failed texts) with the reason. */
  async giveUp(messageId: string, reason: string): Promise<void> {
    await this.messages.update({ id: messageId, direction: 'inbound', status: 'received' }, { status: 'failed', errorMessage: reason });
  }

  /** A reply becomes a public comment on the ticket the rules choose; an unknown sender becomes a customer with a ticket. */
  private async landReply(
    tx: EntityManager,
    message: SmsMessage,
    kind: 'reply' | 'help',
    conversation: SmsConversation,
    customers: CustomerSummary[],
    settings: SmsSettings,
    now: Date,
    media: SmsMedia[],
  ): Promise<Landing> {
    const { accountId } = message;
    let decision: MatchDecision;
    let customerId: string;
    let ticket: TicketSummary | null;
    if (customers.length === 0) {
      const customer = await this.gateway.createCustomerFromPhone(accountId, message.fromNumber!, tx);
      customerId = customer.id;
      ticket = await this.openTicket(tx, message, customer, media);
      decision = { rule: 'new_ticket', ticket: null, guess: false };
    } else {
      decision = await this.decide(tx, message, conversation, customers, settings, now);
      ticket = decision.ticket;
      customerId = ticket?.customerId ?? customers[0].id;
      if (decision.rule === 'new_ticket') ticket = await this.openTicket(tx, message, customers[0], media);
    }
    if (!ticket) return { customerId, ticketId: null, commentId: null, rule: decision.rule, guess: false, kind };

    const { commentId } = await this.gateway.addCustomerComment(
      accountId,
      {
        ticketId: ticket.id,
        customerId,
        body: replyCommentBody(message.body, media),
        attachments: replyAttachments(media),
        // The text that opened this very ticket is its start, not a reply to it.
        markCustomerReply: decision.rule !== 'new_ticket',
      },
      tx,
    );
    return { customerId, ticketId: ticket.id, commentId, rule: decision.rule, guess: decision.guess, kind };
  }

  /** STOP records the opt-out, START (when opted out) removes it; either leaves a private note, never a public comment. */
  private async applyKeyword(
    tx: EntityManager,
    message: SmsMessage,
    keyword: { kind: KeywordKind; keyword: string },
    conversation: SmsConversation,
    customers: CustomerSummary[],
    settings: SmsSettings,
    now: Date,
  ): Promise<Landing> {
    const { accountId } = message;
    const phone = message.fromNumber!;
    let note: string;
    if (keyword.kind === 'opt_out') {
      const changed = await this.optOuts.optOut(tx, { accountId, phone, keyword: keyword.keyword, messageId: message.id, at: now });
      note = changed
        ? `The customer texted ${keyword.keyword} from ${phone}: no more texts go to this number until they text START.`
        : `The customer texted ${keyword.keyword} again from ${phone}; texts to this number stay off until they text START.`;
    } else {
      await this.optOuts.optIn(tx, accountId, phone);
      note = `The customer texted ${keyword.keyword} from ${phone}: texts to this number are back on.`;
    }
    const kind = keyword.kind === 'opt_out' ? 'opt_out' : 'opt_in';
    if (customers.length === 0) return { customerId: null, ticketId: null, commentId: null, rule: null, guess: false, kind };
    // The note goes where a reply would, but never onto a new ticket.
    const decision = await this.decide(tx, message, conversation, customers, { ...settings, unmatchedReplies: 'triage' }, now);
    if (!decision.ticket) return { customerId: customers[0].id, ticketId: null, commentId: null, rule: null, guess: false, kind };
    const { commentId } = await this.gateway.addPrivateNote(accountId, decision.ticket.id, note, tx);
    return { customerId: decision.ticket.customerId, ticketId: decision.ticket.id, commentId, rule: decision.rule, guess: false, kind };
  }

  private async decide(
    tx: EntityManager,
    message: SmsMessage,
    conversation: SmsConversation,
    customers: CustomerSummary[],
    settings: Pick<SmsSettings, 'replyWindowDays' | 'unmatchedReplies'>,
    now: Date,
  ): Promise<MatchDecision> {
    const { accountId } = message;
    const ours = (t: TicketSummary | null): t is TicketSummary => t !== null && customers.some((c) => c.id === t.customerId);
    const referenced: TicketSummary[] = [];
    for (const number of ticketReferences(message.body)) {
      const ticket = await this.gateway.findTicket(accountId, { number }, tx);
      // Another customer's ticket number is ignored, not revealed.
      if (ours(ticket)) referenced.push(ticket);
    }
    const lastTicket =
      referenced.length === 0 && conversation.lastOutboundTicketId ? await this.gateway.findTicket(accountId, { id: conversation.lastOutboundTicketId }, tx) : null;
    const input = {
      referenced,
      lastOutbound: { ticket: ours(lastTicket) ? lastTicket : null, at: conversation.lastOutboundAt },
      openTickets: [] as TicketSummary[],
      now,
      replyWindowDays: settings.replyWindowDays,
      unmatched: settings.unmatchedReplies,
    };
    // The first two rules need no list of open tickets (most replies answer the last text): read it only when they fail.
    const early = matchReply(input);
    if (early.rule === 'ticket_reference' || early.rule === 'last_outbound') return early;
    for (const customer of customers) input.openTickets.push(...(await this.gateway.listOpenTickets(accountId, customer.id, tx)));
    return matchReply(input);
  }

  private openTicket(tx: EntityManager, message: SmsMessage, customer: CustomerSummary, media: SmsMedia[]): Promise<TicketSummary> {
    const problem = message.body.trim() || (media.length > 0 ? '(picture message without text)' : '(empty text message)');
    return this.gateway.createTicketFromSms(
      message.accountId,
      { customerId: customer.id, subject: ticketSubjectFromSms(message.body, customer.name, media.length > 0), problem },
      tx,
    );
  }
}
