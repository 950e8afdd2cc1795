import { randomUUID } from 'node:crypto';
import { Inject, Injectable, UnprocessableEntityException } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { EntityManager } from 'typeorm';
import { columnList, hydrate } from '../core/hydrate';
import { PreparedStatement, runPrepared } from '../core/prepared';
import { Clock } from '../clock/clock';
import { recordReplyCtes, recordWrittenCtes } from '../conversations/conversations.queries';
import { SmsConversation } from '../conversations/sms-conversation.entity';
import { LiveReplies, type ThreadAsRead } from '../schedule/live-replies.service';
import { SendSchedule } from '../schedule/send-schedule.service';
import { analyzeSms, MAX_SMS_CHARACTERS, SmsAnalysis, splitSms } from '../segments/segments';
import { SmsSettings } from '../settings/sms-settings.entity';
import { SmsSettingsService } from '../settings/sms-settings.service';
import { SMS_MODULE_OPTIONS, type ResolvedSmsOptions } from '../sms.options';
import { SmsTemplatesService } from '../templates/sms-templates.service';
import { TemplateBudgetError, type TemplateKey, type TemplateVariables } from '../templates/template-renderer';
import { OutboundQueue } from './outbound-queue.service';

/**
 * What an outbound text is, kept on its rows as `kind`: the ticket's first text, a technician's ticket update, an
 * after-hours reply, a member's reply in a conversation, a text composed to a contact.
 */
export type OutboundKind = 'initial_problem' | 'ticket_update' | 'after_hours' | 'conversation_reply' | 'compose';

/** Kinds a person typed: what they typed is refused (422) when it cannot go, not recorded (`problem`). */
const TYPED_BY_A_PERSON: ReadonlySet<OutboundKind> = new Set(['ticket_update', 'conversation_reply', 'compose']);

/** How the text is named in the reasons a row or a refusal gives. */
const NOUN: Record<OutboundKind, string> = {
  initial_problem: 'The SMS',
  ticket_update: 'The SMS',
  after_hours: 'The after-hours reply',
  conversation_reply: 'The reply',
  compose: 'The text',
};

/**
 * The words of the text: as a person typed them, the account's template for a key (its own or the default), or a
 * template stored elsewhere (an after-hours reply's own body), rendered with `variables`.
 */
export type OutboundText =
  | { body: string }
  | {
      template: TemplateKey;
      variables: TemplateVariables;
      /** The template in force (the account's own or the default), when the caller read it already. */
      source?: string;
    }
  | { templateSource: string; variables: TemplateVariables };

/**
 * When the text may go: within business hours (written `scheduled` for the next opening while closed); `send-now`,
 * at once even while closed (the caller checked the person may: `SendSchedule.assertMaySendNow`), kept on the rows so a
 * release after waiting for credits does not hold it either; `at-once`, a text business hours never apply to (an
 * after-hours reply).
 */
export type OutboundSchedule = 'business-hours' | 'send-now' | 'at-once';

/** One outbound text to write: everything a path knows about it once it has checked who may send what. */
export interface OutboundRequest {
  accountId: string;
  kind: OutboundKind;
  /** The contact's phone (E.164). */
  to: string;
  /** The account's number the text goes from (E.164), chosen and checked by the caller. */
  from: string;
  text: OutboundText;
  /** The ticket the text is about (replies then match it), and the ticket's comment that shows it, if any. */
  ticketId?: string | null;
  commentId?: string | null;
  /** The conversation the rows belong to, when the caller holds it (a reply). */
  conversationId?: string | null;
  /** The person who wrote it; null for the system. */
  authorId: string | null;
  schedule: OutboundSchedule;
  /** The account's settings, when the caller read them already in this transaction. */
  settings?: SmsSettings;
  /**
   * The contact's thread on `from` as the caller read it in this transaction (choosing the number by it): when the
   * contact last texted it, and the database's `now()` then. The live-reply rule uses it instead of reading it again.
   */
  thread?: ThreadAsRead;
}

/** The rows one text wrote; hand it to `dispatch` once the transaction has committed. */
export interface OutboundWrite {
  /** Every row written: one per part of a text that goes, or the one row of a text that does not. */
  rowIds: string[];
  /** Whether the text goes: its rows wait for the send pipeline. */
  sending: boolean;
  /** The rows to enqueue after commit: the first part (the pipeline enqueues each next part once the one before it was accepted). */
  startIds: string[];
  /**
   * The contact's conversation on the sending number as the write left it, when the text was recorded in one: its row
   * is locked for the rest of the transaction.
   */
  conversation: SmsConversation | null;
}

/** A text that does not go: written as one row with the reason, so the ticket or the thread shows why. */
export interface UnsentText {
  accountId: string;
  kind: OutboundKind;
  to: string | null;
  ticketId?: string | null;
  commentId?: string | null;
  authorId: string | null;
  status: 'skipped' | 'failed';
  reason: string;
  body?: string;
}

// Prepared, as every text runs it. The rows of one text (all its parts, or the one unsent row) in one statement, one
// array element per part; ids are made here, so they come back in part order without RETURNING.
const INSERT_TEXT: PreparedStatement = {
  name: 'sms-outbound-insert',
  text: `INSERT INTO sms_messages (id, account_id, direction, kind, ticket_id, comment_id, conversation_id, send_id, created_by_user_id,
           status, send_at, error_message, to_number, from_number, provider, part_count, body, encoding, segments, part_index, send_now)
         SELECT p.id, $1::text, 'outbound', $2::text, $3::text, $4::text, $5::uuid, $6::uuid, $7::text, $8::text, $9::timestamptz, $10::text,
                $11::text, $12::text, $13::text, $14::smallint, p.body, p.encoding, p.segments, p.part_index, $19::boolean
         FROM unnest($15::uuid[], $16::text[], $17::text[], $18::smallint[]) WITH ORDINALITY AS p(id, body, encoding, segments, part_index)`,
};

/** The conversation statement a text's rows are written with, and its values after the rows' 19. */
interface ConversationRecord {
  statement: PreparedStatement;
  values: unknown[];
}

interface TextPart {
  text: string;
  encoding: string | null;
  segments: number;
}

interface Rows {
  accountId: string;
  kind: OutboundKind;
  ticketId: string | null;
  commentId: string | null;
  conversationId: string | null;
  authorId: string | null;
  status: string;
  sendAt: Date | null;
  sendNow: boolean;
  reason: string | null;
  to: string | null;
  from: string | null;
  provider: string | null;
}

/**
 * The one writer of outbound texts, whatever the path (ticket texts, after-hours replies, conversation replies,
 * compose): it renders the text, works out its encoding and length, refuses or records what cannot go, plans it
 * against business hours, splits it into parts, writes the rows (all parts in one statement), records the text in the
 * contact's conversation, and after commit enqueues it. It runs in the caller's transaction; the caller has checked
 * who may text whom from which number.
 */
@Injectable()
export class OutboundWriter {
  constructor(
    @Inject(SMS_MODULE_OPTIONS) private readonly options: ResolvedSmsOptions,
    private readonly settings: SmsSettingsService,
    private readonly templates: SmsTemplatesService,
    private readonly schedule: SendSchedule,
    private readonly queue: OutboundQueue,
    private readonly clock: Clock,
    private readonly liveReplies: LiveReplies,
    @InjectEntityManager() manager: EntityManager,
  ) {
    const columns = columnList(manager, SmsConversation);
    // The rows and the conversation in one round trip: the conversation's values follow the rows' 19.
    this.insertRecordingWritten = {
      name: 'sms-outbound-insert-record-written',
      text: `WITH parts AS (${INSERT_TEXT.text}), ${recordWrittenCtes(columns, 20)} SELECT * FROM conversation`,
    };
    this.insertRecordingReply = {
      name: 'sms-outbound-insert-record-reply',
      text: `WITH parts AS (${INSERT_TEXT.text}), ${recordReplyCtes(columns, 20)} SELECT * FROM conversation`,
    };
  }

  private readonly insertRecordingWritten: PreparedStatement;
  private readonly insertRecordingReply: PreparedStatement;

  /**
   * Writes the text in `tx`. A text a person typed that is empty or longer than an SMS may be is refused (422) and
   * writes nothing; an automatic one is recorded `skipped` with the reason, and one whose template runs away `failed`.
   */
  async write(tx: EntityManager, request: OutboundRequest): Promise<OutboundWrite> {
    const settings = request.settings ?? (await this.settings.get(request.accountId, tx));
    const unsent = (status: 'skipped' | 'failed', reason: string, body = '') =>
      this.recordUnsent(tx, { ...request, status, reason, body }, request.from);

    let text: string;
    try {
      text = await this.render(tx, request);
    } catch (error) {
      // A saved template that runs away with these values: the text says why, and the caller's write still commits.
      if (!(error instanceof TemplateBudgetError)) throw error;
      const which = 'template' in request.text ? `The ${request.text.template} template` : NOUN[request.kind];
      return unsent('failed', `${which} stopped at line ${error.line}, column ${error.column}: ${error.message}`);
    }
    const { smartEncoding, splitMode } = settings;
    const analysis = analyzeSms(text, { smartEncoding });
    const problem = this.problem(request.kind, analysis, 'body' in request.text);
    if (problem?.refuse) throw new UnprocessableEntityException(problem.reason);
    if (problem) return unsent('skipped', problem.reason, problem.body);

    const plan =
      request.schedule === 'at-once'
        ? { status: 'pending' as const, sendAt: null, sendNow: false }
        : await this.schedule.plan(tx, request.accountId, await this.goesNow(tx, request, settings));
    // `split`: one row per one-segment part with its (i/n) counter; `concatenate`: one row of several segments.
    const parts = splitSms(text, { smartEncoding, mode: splitMode, analysis });
    const { rowIds, conversation } = await this.insert(
      tx,
      {
        ...this.identity(request),
        ...plan,
        reason: null,
        to: request.to,
        from: request.from,
        provider: this.options.provider,
      },
      parts,
      this.conversationRecord(request),
    );
    return {
      rowIds,
      sending: true,
      startIds: rowIds.slice(0, 1),
      conversation,
    };
  }

  /**
   * Business hours hold notifications, not answers to a waiting person: a text a person wrote to a contact who texted
   * this number within the live-reply window goes at once, like `send-now`.
   */
  private async goesNow(tx: EntityManager, request: OutboundRequest, settings: SmsSettings): Promise<boolean> {
    if (request.schedule === 'send-now') return true;
    if (!TYPED_BY_A_PERSON.has(request.kind) || request.authorId === null) return false;
    if (request.thread) return LiveReplies.textedWithin(request.thread, settings.liveReplyWindowMinutes);
    return this.liveReplies.isLive(
      { accountId: request.accountId, businessNumber: request.from, contactPhone: request.to },
      tx,
    );
  }

  /**
   * Refuses (422) a text a person typed that cannot go as an SMS (empty, too long), for a path that checks before it
   * writes anything else; `write` applies the same rules.
   */
  assertSendable(kind: OutboundKind, body: string, settings: SmsSettings): void {
    const problem = this.problem(kind, analyzeSms(body, { smartEncoding: settings.smartEncoding }), true);
    if (problem?.refuse) throw new UnprocessableEntityException(problem.reason);
  }

  /**
   * Why a text cannot go as an SMS, and whether that refuses the request: a text a person typed that is too long (or,
   * typed as is, empty) is refused; an automatic one is recorded `skipped` with the reason (a template that renders
   * nothing is the template's fault, not the person's).
   */
  private problem(
    kind: OutboundKind,
    analysis: SmsAnalysis,
    typedAsIs: boolean,
  ): { reason: string; refuse: boolean; body: string } | null {
    const typed = TYPED_BY_A_PERSON.has(kind);
    if (analysis.characters > MAX_SMS_CHARACTERS)
      return {
        reason: `${NOUN[kind]} would be ${analysis.characters} characters; the limit is ${MAX_SMS_CHARACTERS}`,
        refuse: typed,
        body: analysis.text,
      };
    if (analysis.text.trim()) return null;
    if (typed && typedAsIs) return { reason: `${NOUN[kind]} is empty`, refuse: true, body: '' };
    return { reason: `${NOUN[kind]} rendered an empty text`, refuse: false, body: '' };
  }

  /** A text that does not go (SMS off, no mobile phone, no number to send from …): one row that says why. */
  async recordUnsent(tx: EntityManager, text: UnsentText, from: string | null = null): Promise<OutboundWrite> {
    const { rowIds } = await this.insert(
      tx,
      {
        ...this.identity({ ...text, conversationId: null }),
        status: text.status,
        sendAt: null,
        sendNow: false,
        reason: text.reason.slice(0, 1000),
        to: text.to,
        from,
        provider: null,
      },
      [{ text: text.body ?? '', encoding: null, segments: 0 }],
    );
    return { rowIds, sending: false, startIds: [], conversation: null };
  }

  /** Enqueues written texts after commit; a failure is logged there and the outbox sweep enqueues them later. */
  dispatch(...writes: Pick<OutboundWrite, 'startIds'>[]): Promise<void> {
    return this.queue.enqueue(writes.flatMap((w) => w.startIds));
  }

  private render(tx: EntityManager, request: OutboundRequest): Promise<string> | string {
    const { text } = request;
    if ('body' in text) return text.body;
    if ('template' in text)
      return text.source !== undefined
        ? this.templates.renderer.render(text.source, text.variables)
        : this.templates.render(request.accountId, text.template, text.variables, tx);
    return this.templates.renderer.render(text.templateSource, text.variables);
  }

  private identity(
    request: Pick<OutboundRequest, 'accountId' | 'kind' | 'ticketId' | 'commentId' | 'conversationId' | 'authorId'>,
  ) {
    return {
      accountId: request.accountId,
      kind: request.kind,
      ticketId: request.ticketId ?? null,
      commentId: request.commentId ?? null,
      conversationId: request.conversationId ?? null,
      authorId: request.authorId,
    };
  }

  /**
   * The contact's thread is now on this number: written with the rows, in the same statement. A person's text also
   * answers the contact if they were waiting (and counts as a reply in a claim the person holds); a ticket's first
   * text only keeps the thread; an after-hours reply leaves the thread as the contact left it.
   */
  private conversationRecord(request: OutboundRequest): ConversationRecord | null {
    if (request.kind === 'after_hours') return null;
    const values = [request.accountId, request.from, request.to, this.clock.now()];
    if (request.authorId && request.kind !== 'initial_problem')
      return { statement: this.insertRecordingReply, values: [...values, request.authorId] };
    return { statement: this.insertRecordingWritten, values };
  }

  /**
   * Writes the rows of one text, one per part (part_index from 1, in order), and `record`s it in the contact's
   * conversation in the same statement; returns the rows' ids in part order and the conversation.
   */
  private async insert(
    tx: EntityManager,
    rows: Rows,
    parts: TextPart[],
    record: ConversationRecord | null = null,
  ): Promise<{ rowIds: string[]; conversation: SmsConversation | null }> {
    const ids = parts.map(() => randomUUID());
    const written = await runPrepared(tx, record?.statement ?? INSERT_TEXT, [
      rows.accountId,
      rows.kind,
      rows.ticketId,
      rows.commentId,
      rows.conversationId,
      randomUUID(),
      rows.authorId,
      rows.status,
      rows.sendAt,
      rows.reason,
      rows.to,
      rows.from,
      rows.provider,
      parts.length,
      ids,
      parts.map((p) => p.text),
      parts.map((p) => p.encoding),
      parts.map((p) => p.segments),
      rows.sendNow,
      ...(record?.values ?? []),
    ]);
    return { rowIds: ids, conversation: record ? hydrate(tx, SmsConversation, written[0]) : null };
  }
}
