import { Inject, Injectable } from '@nestjs/common';
import { columnList, hydrate, hydratePrefixed, prefixedColumnList } from '../core/hydrate';
import { PreparedStatement, runPrepared } from '../core/prepared';
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
import {
  CustomerComment,
  CustomerSummary,
  TICKET_GATEWAY,
  type TicketGateway,
  TicketSummary,
} from '../ports/ticket-gateway.port';
import { SmsSettings } from '../settings/sms-settings.entity';
import { SmsSettingsService } from '../settings/sms-settings.service';
import {
  MatchDecision,
  MatchInput,
  matchReply,
  MatchRule,
  ticketReferences,
  ticketSubjectFromSms,
} from './reply-matching';
import { replyAttachments, replyCommentBody } from './reply-comment';

export type InboundKind = 'reply' | 'help' | 'opt_out' | 'opt_in';

export type InboundOutcome =
  | { outcome: 'already-done' }
  | { outcome: 'processed'; kind: InboundKind; ticketId: string | null; rule: MatchRule | null; guess: boolean };

interface Landing {
  conversationId: string;
  customerId: string | null;
  ticketId: string | null;
  commentId: string | null;
  rule: MatchRule | null;
  guess: boolean;
  kind: InboundKind;
}

// What lands the batch's texts: each row's new state, one statement for the batch.
const SETTINGS_PREFIX = 'settings__';
const MARK_PROCESSED: PreparedStatement = {
  name: 'sms-inbound-processed',
  text: `UPDATE sms_messages m SET status = 'processed', kind = u.kind, conversation_id = u.conversation_id, customer_id = u.customer_id, ticket_id = u.ticket_id,
           comment_id = u.comment_id, match_rule = u.match_rule, match_guess = u.match_guess, updated_at = now()
         FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::boolean[])
           AS u(id, kind, conversation_id, customer_id, ticket_id, comment_id, match_rule, match_guess)
         WHERE m.id = u.id`,
};

/**
 * A text whose contact has an earlier text still to land, in the same batch or elsewhere (another batch, a job not yet
 * run, another worker): it lands in a later batch, after that one.
 */
export const LATER = 'later';

/**
 * How long a contact's later texts wait for an earlier plain text still `received`. Such a text lands within
 * milliseconds unless it keeps failing or lost its job: after this, its contact's later texts go on without it. An
 * MMS waiting for its pictures is never waited for (its downloads may take minutes).
 */
const WAIT_FOR_EARLIER = '2 minutes';

// Which of the texts whose turn it is in the batch have an earlier plain text to the same number still to land outside
// it (in another batch, a job not yet run, another worker). A statement of its own, run once the contact locks are
// held: its snapshot then shows what the batches that held them committed. Through the partial index of texts still
// `received`, a handful of rows.
const EARLIER_ELSEWHERE: PreparedStatement = {
  name: 'sms-inbound-earlier-elsewhere',
  text: `
    SELECT m.id FROM sms_messages m
    WHERE m.id = ANY($1::uuid[]) AND EXISTS (
      SELECT 1 FROM sms_messages e
      WHERE e.account_id = m.account_id AND e.from_number = m.from_number AND e.to_number = m.to_number
        AND e.direction = 'inbound' AND e.status = 'received' AND e.inbound_media IS NULL
        AND (e.created_at, e.id) < (m.created_at, m.id) AND e.id <> ALL($2::uuid[])
        AND e.created_at > now() - interval '${WAIT_FOR_EARLIER}'
    )`,
};
export type BatchOutcome = InboundOutcome | typeof LATER;

/** A text whose turn it is, as it goes through the batch. */
interface Turn {
  message: SmsMessage;
  settings: SmsSettings;
  anyAfterHoursReplyOn: boolean;
  keyword: { kind: KeywordKind; keyword: string } | null;
  media: SmsMedia[];
}

/**
 * Lands inbound texts, each exactly once: the message rows are locked and must still be `received`, and the
 * comments, the tickets' status and the rows' new state commit together. Texts from one phone to one account are
 * processed one at a time (one per batch, under the contact's lock), so a new number texting twice at once still
 * becomes one customer. A batch runs the same statements as a single text (one of each, for every text of it): the
 * rarer paths (keywords, new customers and tickets, pictures) add their own statements for their texts only.
 */
@Injectable()
export class InboundLanding {
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
    // One round trip opens the landing: the rows locked in id order (a second run of a job waits here), then the
    // locks on their contacts in key order (both orders fixed, so two batches never deadlock on them; PostgreSQL
    // evaluates a volatile output column after its ORDER BY), the accounts' settings, whether any after-hours reply
    // is on, and each text's turn within the batch. The contact locks read the whole of m first, so every row lock is
    // taken before them.
    this.lockInbound = {
      name: 'sms-inbound-lock',
      text: `
        WITH m AS MATERIALIZED (
          SELECT ${columnList(messages.manager, SmsMessage)} FROM sms_messages WHERE id = ANY($1::uuid[]) AND direction = 'inbound' ORDER BY id FOR UPDATE
        ), contact_locks AS (
          SELECT k, pg_advisory_xact_lock(k)
          FROM (SELECT DISTINCT hashtextextended(${contactLockKeySql('m.account_id', 'm.from_number')}, 0) AS k FROM m WHERE m.status = 'received') keys
          ORDER BY k
        )
        SELECT m.*, ${prefixedColumnList(messages.manager, SmsSettings, 's', SETTINGS_PREFIX)},
               EXISTS (SELECT 1 FROM sms_after_hours_replies r WHERE r.account_id = m.account_id AND r.enabled) AS after_hours_on,
               (SELECT count(*) FROM contact_locks) AS contact_locks,
               row_number() OVER (PARTITION BY m.account_id, m.from_number, m.status ORDER BY m.created_at, m.id) AS contact_turn
        FROM m LEFT JOIN sms_settings s ON s.account_id = m.account_id
        ORDER BY m.created_at, m.id`,
    };
  }

  private readonly lockInbound: PreparedStatement;

  /**
   * Lands the texts in one transaction, answering for each in the order given: `LATER` for a text whose contact has
   * an earlier text to land first (it must be processed again, in a later batch). A single text is a batch of one.
   */
  async processMany(messageIds: string[]): Promise<BatchOutcome[]> {
    const now = this.clock.now();
    // Everything is read under the row locks: a second run of the same job waits here, then finds its text processed.
    const done = await this.messages.manager.transaction(async (tx) => {
      const rows = await runPrepared(tx, this.lockInbound, [messageIds]);
      // In the order the texts came (PostgreSQL's timestamps, to the microsecond; texts stored at the same instant by id):
      // a contact's earliest text has its turn, and a new customer's first text opens their ticket.
      const received = rows.filter((row) => row.status === 'received');
      const turns = received.filter((row) => Number(row.contact_turn) === 1);
      const later = new Set(received.filter((row) => Number(row.contact_turn) > 1).map((row) => row.id as string));
      if (turns.length > 0) {
        for (const { id } of await runPrepared<{ id: string }>(tx, EARLIER_ELSEWHERE, [
          turns.map((row) => row.id),
          messageIds,
        ]))
          later.add(id);
      }
      const batch: Turn[] = [];
      for (const row of turns) {
        if (later.has(row.id as string)) continue;
        const message = hydrate(tx, SmsMessage, row);
        const settings = this.settings.remember(
          tx,
          message.accountId,
          hydratePrefixed(tx, SmsSettings, row, SETTINGS_PREFIX),
        );
        batch.push({
          message,
          settings,
          anyAfterHoursReplyOn: row.after_hours_on === true,
          keyword: smsKeyword(message.body),
          media: [],
        });
      }
      const landings = await this.land(tx, batch, now);
      const ids = batch.map((t) => t.message.id);
      await runPrepared(tx, MARK_PROCESSED, [
        ids,
        landings.map((l) => l.kind),
        landings.map((l) => l.conversationId),
        landings.map((l) => l.customerId),
        landings.map((l) => l.ticketId),
        landings.map((l) => l.commentId),
        landings.map((l) => l.rule),
        landings.map((l) => l.guess),
      ]);
      return { batch, landings, later };
    });

    const outcomes = new Map<string, InboundOutcome>();
    for (const [i, { message, settings, media, anyAfterHoursReplyOn }] of done.batch.entries()) {
      const landing = done.landings[i];
      // While closed, a customer's text gets the after-hours reply of the level that applies (at most once per window).
      if (landing.kind === 'reply') {
        await this.afterHours.onInbound({
          accountId: message.accountId,
          businessNumber: message.toNumber!,
          contactPhone: message.fromNumber!,
          ticketId: landing.ticketId,
          receivedAt: message.createdAt,
          anyReplyOn: anyAfterHoursReplyOn,
        });
      }
      // Talking to the outside world waits for the commit: the comment already references our copies.
      if (settings.deleteProviderMedia && media.length > 0) await this.media.deleteAtProvider(message);
      outcomes.set(message.id, {
        outcome: 'processed',
        kind: landing.kind,
        ticketId: landing.ticketId,
        rule: landing.rule,
        guess: landing.guess,
      });
    }
    return messageIds.map((id) => outcomes.get(id) ?? (done.later.has(id) ? LATER : { outcome: 'already-done' }));
  }

  /** Where each text of the batch goes, with what it writes: one statement of each kind for the whole batch. */
  private async land(tx: EntityManager, batch: Turn[], now: Date): Promise<Landing[]> {
    for (const turn of batch) {
      const { message, keyword } = turn;
      if ((message.inboundMedia?.length ?? 0) > 0 && keyword?.kind !== 'opt_out') {
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
    const keywordLanding: boolean[] = [];
    for (const { message, keyword } of batch) {
      keywordLanding.push(
        keyword !== null &&
          (keyword.kind === 'opt_out' ||
            (keyword.kind === 'opt_in' && (await this.optOuts.isOptedOut(message.accountId, message.fromNumber!, tx)))),
      );
    }
    // A keyword's note goes where a reply would, but never onto a new ticket.
    const decisions = await this.decide(
      tx,
      batch.map((turn, i) => ({
        message: turn.message,
        conversation: conversations[i],
        customers: customers[i],
        settings: keywordLanding[i] ? { ...turn.settings, unmatchedReplies: 'triage' as const } : turn.settings,
      })),
      now,
    );

    const landings: Landing[] = [];
    const comments: { index: number; accountId: string; comment: CustomerComment }[] = [];
    for (const [i, turn] of batch.entries()) {
      const found = customers[i];
      const base = { conversationId: conversations[i].id, commentId: null };
      if (keywordLanding[i]) {
        landings.push({
          ...base,
          ...(await this.applyKeyword(tx, turn.message, turn.keyword!, found, decisions[i], now)),
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

  /** After the last retry: the text stays visible (triage lists failed texts) with the reason. */
  async giveUp(messageId: string, reason: string): Promise<void> {
    await this.messages.update(
      { id: messageId, direction: 'inbound', status: 'received' },
      { status: 'failed', errorMessage: reason },
    );
  }

  /** STOP records the opt-out, START (when opted out) removes it; either leaves a private note, never a public comment. */
  private async applyKeyword(
    tx: EntityManager,
    message: SmsMessage,
    keyword: { kind: KeywordKind; keyword: string },
    customers: CustomerSummary[],
    decision: MatchDecision | null,
    now: Date,
  ): Promise<Omit<Landing, 'conversationId'>> {
    const { accountId } = message;
    const phone = message.fromNumber!;
    let note: string;
    if (keyword.kind === 'opt_out') {
      const changed = await this.optOuts.optOut(tx, {
        accountId,
        phone,
        keyword: keyword.keyword,
        messageId: message.id,
        at: now,
      });
      note = changed
        ? `The customer texted ${keyword.keyword} from ${phone}: no more texts go to this number until they text START.`
        : `The customer texted ${keyword.keyword} again from ${phone}; texts to this number stay off until they text START.`;
    } else {
      await this.optOuts.optIn(tx, accountId, phone);
      note = `The customer texted ${keyword.keyword} from ${phone}: texts to this number are back on.`;
    }
    const kind = keyword.kind === 'opt_out' ? 'opt_out' : 'opt_in';
    if (customers.length === 0)
      return { customerId: null, ticketId: null, commentId: null, rule: null, guess: false, kind };
    if (!decision?.ticket)
      return { customerId: customers[0].id, ticketId: null, commentId: null, rule: null, guess: false, kind };
    const { commentId } = await this.gateway.addPrivateNote(accountId, decision.ticket.id, note, tx);
    return {
      customerId: decision.ticket.customerId,
      ticketId: decision.ticket.id,
      commentId,
      rule: decision.rule,
      guess: false,
      kind,
    };
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
    // The first two rules need no list of open tickets (most replies answer the last text): read them only when they fail.
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
