import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { SmsConversation } from '../conversations/sms-conversation.entity';
import { ConversationsService } from '../conversations/conversations.service';
import { InboundMediaService } from '../media/inbound-media.service';
import { SmsMedia } from '../media/sms-media.entity';
import { SmsMessage } from '../messages/sms-message.entity';
import {
  CustomerComment,
  CustomerSummary,
  TICKET_GATEWAY,
  type TicketGateway,
  TicketSummary,
} from '../ports/ticket-gateway.port';
import { SmsSettings } from '../settings/sms-settings.entity';
import { InboundKeywords, SmsKeyword } from './inbound-keywords.service';
import { landsWithMedia } from './inbound-queue.service';
import { replyAttachments, replyCommentBody } from './reply-comment';
import {
  MatchDecision,
  MatchInput,
  matchReply,
  MatchRule,
  ticketReferences,
  ticketSubjectFromSms,
} from './reply-matching';

export type InboundKind = 'reply' | 'help' | 'opt_out' | 'opt_in';

/** A text whose turn it is, as it goes through the batch. */
export interface Turn {
  message: SmsMessage;
  settings: SmsSettings;
  anyAfterHoursReplyOn: boolean;
  keyword: SmsKeyword | null;
  /** The stored and rejected pictures of an MMS, once routed. */
  media: SmsMedia[];
}

/** Where a text landed, with what it wrote. */
export interface Landing {
  conversationId: string;
  customerId: string | null;
  ticketId: string | null;
  commentId: string | null;
  rule: MatchRule | null;
  guess: boolean;
  kind: InboundKind;
}

/**
 * Where each text of a batch goes: the conversation, the customer (created for an unknown sender), the ticket the
 * matching rules pick (opened for a new customer or an unmatched reply), and the public comment with its pictures.
 * One gateway call of each kind for the whole batch; the rarer paths (keywords, new customers and tickets, pictures)
 * add their own calls for their texts only.
 */
@Injectable()
export class InboundRouting {
  constructor(
    @Inject(TICKET_GATEWAY) private readonly gateway: TicketGateway,
    private readonly conversations: ConversationsService,
    private readonly keywords: InboundKeywords,
    private readonly media: InboundMediaService,
  ) {}

  async route(tx: EntityManager, batch: Turn[], now: Date): Promise<Landing[]> {
    for (const turn of batch) {
      const { message } = turn;
      if (landsWithMedia(message.body, message.inboundMedia?.length ?? 0)) {
        // Every media child has finished by now; an item without a result is one whose job gave up.
        await this.media.rejectUnfinished(message, 'it could not be downloaded from our SMS provider', tx);
        turn.media = await this.media.forMessage(message.id, tx);
      }
    }
    const conversations = await this.conversations.touchInboundMany(
      tx,
      batch.map(({ message }) => ({
        accountId: message.accountId,
        businessNumber: message.toNumber!,
        contactPhone: message.fromNumber!,
        at: message.createdAt,
        message: { id: message.id, body: message.body },
      })),
    );
    const customers = await this.gateway.findCustomersByPhones(
      batch.map(({ message }) => ({ accountId: message.accountId, phone: message.fromNumber! })),
      tx,
    );
    const asKeyword: boolean[] = [];
    for (const { message, keyword } of batch) asKeyword.push(await this.keywords.landsAsKeyword(tx, message, keyword));
    // A keyword's note goes where a reply would, but never onto a new ticket.
    const decisions = await this.decide(
      tx,
      batch.map((turn, i) => ({
        message: turn.message,
        conversation: conversations[i],
        customers: customers[i],
        settings: asKeyword[i] ? { ...turn.settings, unmatchedReplies: 'triage' as const } : turn.settings,
      })),
      now,
    );

    const landings: Landing[] = [];
    const comments: { index: number; accountId: string; comment: CustomerComment }[] = [];
    for (const [i, turn] of batch.entries()) {
      const found = customers[i];
      const base = { conversationId: conversations[i].id, commentId: null };
      if (asKeyword[i]) {
        landings.push({
          ...base,
          ...(await this.keywords.land(tx, turn.message, turn.keyword!, found, decisions[i], now)),
        });
        continue;
      }
      const kind = turn.keyword?.kind === 'help' ? 'help' : 'reply';
      let decision = decisions[i];
      let customerId = decision?.ticket?.customerId ?? found[0]?.id;
      let ticket: TicketSummary | null = decision?.ticket ?? null;
      if (!decision || decision.rule === 'new_ticket') {
        // An unknown sender becomes a customer; either way the text opens a ticket.
        const customer =
          found[0] ??
          (await this.gateway.createCustomerFromPhone(turn.message.accountId, turn.message.fromNumber!, tx));
        customerId = customer.id;
        ticket = await this.openTicket(tx, turn.message, customer, turn.media);
        decision = { rule: 'new_ticket', ticket: null, guess: false };
      }
      landings.push({
        ...base,
        customerId,
        ticketId: ticket?.id ?? null,
        rule: decision.rule,
        guess: decision.guess,
        kind,
      });
      if (ticket) {
        comments.push({
          index: i,
          accountId: turn.message.accountId,
          comment: {
            ticketId: ticket.id,
            customerId,
            body: replyCommentBody(turn.message.body, turn.media),
            attachments: replyAttachments(turn.media),
            // The text that opened this very ticket is its start, not a reply to it.
            markCustomerReply: decision.rule !== 'new_ticket',
          },
        });
      }
    }
    const written = await this.gateway.addCustomerComments(
      comments.map(({ accountId, comment }) => ({ accountId, comment })),
      tx,
    );
    comments.forEach(({ index }, j) => (landings[index].commentId = written[j].commentId));
    return landings;
  }

  /**
   * The matching rules for each text from a known customer (null for an unknown sender), with one lookup of the
   * tickets the texts name or last heard about, and one of open tickets for the texts those do not settle.
   */
  private async decide(
    tx: EntityManager,
    texts: {
      message: SmsMessage;
      conversation: SmsConversation;
      customers: CustomerSummary[];
      settings: Pick<SmsSettings, 'replyWindowDays' | 'unmatchedReplies'>;
    }[],
    now: Date,
  ): Promise<(MatchDecision | null)[]> {
    const lookups: { accountId: string; ref: { id: string } | { number: number } }[] = [];
    const asked = texts.map(({ message, conversation, customers }) => {
      if (customers.length === 0) return null;
      const ask = (ref: { id: string } | { number: number }) => lookups.push({ accountId: message.accountId, ref }) - 1;
      return {
        referenced: ticketReferences(message.body).map((number) => ask({ number })),
        last: conversation.lastOutboundTicketId ? ask({ id: conversation.lastOutboundTicketId }) : null,
      };
    });
    const found = await this.gateway.findTickets(lookups, tx);

    const inputs = texts.map(({ conversation, customers, settings }, i): MatchInput | null => {
      const at = asked[i];
      if (!at) return null;
      // Another customer's ticket number is ignored, not revealed.
      const ours = (t: TicketSummary | null): t is TicketSummary =>
        t !== null && customers.some((c) => c.id === t.customerId);
      const referenced = at.referenced.map((j) => found[j]).filter(ours);
      const lastTicket = at.last === null ? null : found[at.last];
      return {
        referenced,
        lastOutbound: { ticket: ours(lastTicket) ? lastTicket : null, at: conversation.lastOutboundAt },
        openTickets: [],
        now,
        replyWindowDays: settings.replyWindowDays,
        unmatched: settings.unmatchedReplies,
      };
    });
    // The first two rules need no list of open tickets (most replies answer the last text): read them only when they
    // fail.
    const decisions = inputs.map((input) => (input ? matchReply(input) : null));
    const unsettled = decisions.flatMap((d, i) =>
      d && d.rule !== 'ticket_reference' && d.rule !== 'last_outbound' ? [i] : [],
    );
    const owners = unsettled.flatMap((i) =>
      texts[i].customers.map((c) => ({ text: i, accountId: texts[i].message.accountId, customerId: c.id })),
    );
    const open = await this.gateway.listOpenTicketsOfCustomers(owners, tx);
    owners.forEach(({ text }, j) => inputs[text]!.openTickets.push(...open[j]));
    for (const i of unsettled) decisions[i] = matchReply(inputs[i]!);
    return decisions;
  }

  private openTicket(
    tx: EntityManager,
    message: SmsMessage,
    customer: CustomerSummary,
    media: SmsMedia[],
  ): Promise<TicketSummary> {
    const problem =
      message.body.trim() || (media.length > 0 ? '(picture message without text)' : '(empty text message)');
    return this.gateway.createTicketFromSms(
      message.accountId,
      {
        customerId: customer.id,
        subject: ticketSubjectFromSms(message.body, customer.name, media.length > 0),
        problem,
      },
      tx,
    );
  }
}
