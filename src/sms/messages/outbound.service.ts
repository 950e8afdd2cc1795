import { randomUUID } from 'node:crypto';
import { HttpException, Inject, Injectable, Logger, UnprocessableEntityException } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { PreparedStatement, runPrepared } from '../core/prepared';
import { isDatabaseUnavailable } from '../core/database-unavailable.filter';
import { isTransactionConflict } from '../core/transaction-retry';
import { Clock } from '../clock/clock';
import { ConversationsService } from '../conversations/conversations.service';
import { ThreadClaims } from '../conversations/thread-claims.service';
import { SendingIdentity } from '../numbers/sending-identity.service';
import { TICKET_GATEWAY, type TicketGateway, TicketSmsContext } from '../ports/ticket-gateway.port';
import { LiveReplies } from '../schedule/live-replies.service';
import { SendSchedule } from '../schedule/send-schedule.service';
import { analyzeSms, MAX_SMS_CHARACTERS, splitSms } from '../segments/segments';
import { SmsSettingsService } from '../settings/sms-settings.service';
import { SMS_MODULE_OPTIONS, type ResolvedSmsOptions } from '../sms.options';
import { SmsTemplatesService, templateVariables } from '../templates/sms-templates.service';
import { TemplateBudgetError, type TemplateKey } from '../templates/template-renderer';
import { lockContact } from './contact-lock';
import { MessageQueue } from './message-queue.service';
import { SmsMessage } from './sms-message.entity';

// Prepared, as every text runs them. The rows of one text (all its parts, or the one `skipped` row) in one statement,
// one array element per part; ids are made here, so they come back in part order without RETURNING.
const INSERT_TEXT: PreparedStatement = {
  name: 'sms-outbound-insert',
  text: `INSERT INTO sms_messages (id, account_id, direction, kind, ticket_id, comment_id, send_id, created_by_user_id, status, send_at, error_message,
           to_number, from_number, provider, part_count, body, encoding, segments, part_index, send_now)
         SELECT p.id, $1::text, 'outbound', $2::text, $3::text, $4::text, $5::uuid, $6::text, $7::text, $8::timestamptz, $9::text,
                $10::text, $11::text, $12::text, $13::smallint, p.body, p.encoding, p.segments, p.part_index, $18::boolean
         FROM unnest($14::uuid[], $15::text[], $16::text[], $17::smallint[]) WITH ORDINALITY AS p(id, body, encoding, segments, part_index)`,
};

/** What a text that does not go has in its row besides its status and reason. */
const NOT_SENT = { sendAt: null, sendNow: false, toNumber: null, fromNumber: null, provider: null } as const;

/** One row of a text as `insertText` writes it. */
interface TextPart {
  text: string;
  encoding: string | null;
  segments: number;
}

const EMPTY_PART: TextPart = { text: '', encoding: null, segments: 0 };

/** The SMS rows a ticket event wrote; hand it to `dispatch` once the host's transaction has committed. */
export interface SmsDispatch {
  /** Every row written: all the parts of a split text. */
  messageIds: string[];
  /** The rows to enqueue now (absent: all); a later part of a split text is enqueued once the part before it was accepted. */
  startIds?: string[];
}

export interface TicketEvent {
  accountId: string;
  ticketId: string;
  /** The technician who acted, if any. */
  userId: string | null;
  /** Send at once even while closed; refused (403) unless the actor is an admin or admins allow it (allowSendNow). */
  sendNow?: boolean;
  /** The number to text from, among those the technician may use; otherwise chosen by SendingIdentity. */
  fromNumberId?: string;
  /** An admin takes over a team or shared thread another member holds, instead of being refused (409). */
  takeOver?: boolean;
}

/** Turns ticket events into outbound SMS rows (the outbox), inside the host's transaction. */
@Injectable()
export class OutboundService {
  private readonly logger = new Logger(OutboundService.name);

  constructor(
    @Inject(TICKET_GATEWAY) private readonly gateway: TicketGateway,
    @Inject(SMS_MODULE_OPTIONS) private readonly options: ResolvedSmsOptions,
    private readonly settings: SmsSettingsService,
    private readonly senders: SendingIdentity,
    private readonly conversations: ConversationsService,
    private readonly clock: Clock,
    private readonly templates: SmsTemplatesService,
    private readonly queue: MessageQueue,
    private readonly schedule: SendSchedule,
    private readonly liveReplies: LiveReplies,
    private readonly threadClaims: ThreadClaims,
  ) {}

  /** A new ticket: the customer gets the `initial_problem` text. A text that cannot go is recorded with the reason. */
  ticketCreated(tx: EntityManager, event: TicketEvent): Promise<SmsDispatch> {
    return this.write(tx, event, 'initial_problem', undefined, false);
  }

  /**
   * A technician's update with an SMS text. An empty text sends nothing; a text too long for SMS is refused (422).
   * Takes the customer's texts lock first; call it before the transaction locks or updates the ticket's row (as
   * `TicketTexts.updated` does), so a technician's update and the customer's reply on one ticket lock in one order.
   */
  async ticketUpdated(
    tx: EntityManager,
    event: TicketEvent & { commentId: string; smsBody: string | null | undefined },
  ): Promise<SmsDispatch> {
    await this.lockCustomerTexts(tx, event.accountId, event.ticketId);
    return this.ticketUpdatedLocked(tx, event);
  }

  /** ticketUpdated for a transaction that took lockCustomerTexts before it touched the ticket (TicketTexts does). */
  ticketUpdatedLocked(
    tx: EntityManager,
    event: TicketEvent & { commentId: string; smsBody: string | null | undefined },
  ): Promise<SmsDispatch> {
    const text = event.smsBody?.trim();
    if (!text) return Promise.resolve({ messageIds: [] });
    return this.write(tx, event, 'ticket_update', { message: text, commentId: event.commentId }, true);
  }

  /**
   * Processing the customer's texts holds this lock while it updates their conversation and then the ticket; taking it
   * before the ticket row keeps one lock order (otherwise a technician's update and a reply on one ticket deadlock).
   */
  async lockCustomerTexts(tx: EntityManager, accountId: string, ticketId: string): Promise<void> {
    const context = await this.gateway.getTicketContext(accountId, ticketId, null, tx);
    const mobile = context?.customer.phones.find((p) => p.type === 'mobile')?.number;
    if (mobile) await lockContact(tx, accountId, mobile);
  }

  /** Enqueues the rows after commit; the outbox sweep covers a crash between the two. */
  dispatch(dispatch: SmsDispatch): Promise<void> {
    return this.queue.enqueue(dispatch.startIds ?? dispatch.messageIds);
  }

  /**
   * Writes the text of a ticket event inside the host's transaction, behind a savepoint: a problem with the text (a
   * template that fails to render, a gateway that cannot read the ticket, a failing statement) leaves the host's
   * write whole and records the text as `failed` with the reason. What stays an error for the whole write: a refusal of
   * what the caller asked for (a 4xx: sendNow not allowed, a number they may not use, a text too long) and a
   * transaction conflict, which the host's retry runs again.
   */
  private async write(
    tx: EntityManager,
    event: TicketEvent,
    key: TemplateKey,
    update: { message: string; commentId: string } | undefined,
    refuseTooLong: boolean,
  ): Promise<SmsDispatch> {
    await tx.query('SAVEPOINT sms_text');
    try {
      const dispatch = await this.writeText(tx, event, key, update, refuseTooLong);
      await tx.query('RELEASE SAVEPOINT sms_text');
      return dispatch;
    } catch (error) {
      // Refused, a conflict, or the database gone: the host's write fails as a whole (and is retried or answered 503).
      const refused = error instanceof HttpException && error.getStatus() < 500;
      if (refused || isTransactionConflict(error) || isDatabaseUnavailable(error)) throw error;
      try {
        await tx.query('ROLLBACK TO SAVEPOINT sms_text');
      } catch {
        // The transaction itself is lost: what went wrong first is what the host should see.
        throw error;
      }
      const reason = `The text could not be written: ${error instanceof Error ? error.message : String(error)}`;
      this.logger.error(`${key} text for ticket ${event.ticketId} of account ${event.accountId} failed: ${reason}`);
      await insertText(
        tx,
        this.rowBase(event, key, update),
        { ...NOT_SENT, status: 'failed', errorMessage: reason.slice(0, 1000) },
        [EMPTY_PART],
      );
      return { messageIds: [] };
    }
  }

  private rowBase(event: TicketEvent, key: TemplateKey, update: { commentId: string } | undefined) {
    return {
      accountId: event.accountId,
      ticketId: event.ticketId,
      commentId: update?.commentId ?? null,
      kind: key,
      sendId: randomUUID(),
      createdByUserId: event.userId,
    };
  }

  private async writeText(
    tx: EntityManager,
    event: TicketEvent,
    key: TemplateKey,
    update: { message: string; commentId: string } | undefined,
    refuseTooLong: boolean,
  ): Promise<SmsDispatch> {
    const context = await this.gateway.getTicketContext(event.accountId, event.ticketId, event.userId, tx);
    if (!context)
      throw new Error(
        `the TicketGateway found no ticket ${event.ticketId} in account ${event.accountId} (getTicketContext answered null)`,
      );
    if (event.sendNow) await this.schedule.assertMaySendNow(tx, event.accountId, event.userId);
    const base = this.rowBase(event, key, update);
    const skip = async (
      reason: string,
      to: string | null = null,
      body = '',
      status: 'skipped' | 'failed' = 'skipped',
    ) => {
      await insertText(tx, base, { ...NOT_SENT, status, errorMessage: reason, toNumber: to }, [
        { text: body, encoding: null, segments: 0 },
      ]);
      return { messageIds: [] };
    };

    // A bad explicit choice is refused (4xx) even when the text would not go anyway.
    const chosen = event.fromNumberId
      ? await this.senders.chosen(tx, event.accountId, event.userId, event.fromNumberId)
      : null;
    const why = await this.whyNot(tx, context);
    if (why) return skip(why);
    const to = context.customer.phones.find((p) => p.type === 'mobile')!.number;
    const choice = chosen ?? (await this.senders.automatic(tx, event.accountId, event.userId, to));
    if ('skip' in choice) return skip(choice.skip, to);
    const sender = choice.number;

    let text: string;
    try {
      text = await this.templates.render(
        event.accountId,
        key,
        templateVariables(context, update ? { message: update.message } : {}),
        tx,
      );
    } catch (error) {
      // A saved template that runs away with this ticket's values: the ticket still saves, the text says why.
      if (!(error instanceof TemplateBudgetError)) throw error;
      return skip(
        `The ${key} template stopped at line ${error.line}, column ${error.column}: ${error.message}`,
        to,
        '',
        'failed',
      );
    }
    const { smartEncoding, splitMode } = await this.settings.get(event.accountId, tx);
    const analysis = analyzeSms(text, { smartEncoding });
    if (analysis.characters > MAX_SMS_CHARACTERS) {
      const reason = `The SMS would be ${analysis.characters} characters; the limit is ${MAX_SMS_CHARACTERS}`;
      if (refuseTooLong) throw new UnprocessableEntityException(reason);
      return skip(reason, to, analysis.text);
    }
    if (!analysis.text.trim()) return skip('The template rendered an empty text', to);

    // Business hours: written `scheduled` with the next opening as sendAt while closed (unless sendNow, which the row
    // keeps); a technician's answer to a contact who texted within the live-reply window goes at once.
    const plan = await this.liveReplies.plan(tx, {
      accountId: event.accountId,
      sendNow: event.sendNow === true,
      byPerson: update !== undefined && event.userId !== null,
      businessNumber: sender.number,
      contactPhone: to,
    });
    // `split`: one row per one-segment part with its (i/n) counter; `concatenate`: one row of several segments.
    const parts = splitSms(text, { smartEncoding, mode: splitMode });
    const messageIds = await insertText(
      tx,
      base,
      { ...plan, errorMessage: null, toNumber: to, fromNumber: sender.number, provider: this.options.provider },
      parts,
    );
    // The customer's thread is now on this number; a technician's update also answers them if they were waiting.
    const conversationId = await this.conversations.recordWritten(tx, {
      accountId: event.accountId,
      businessNumber: sender.number,
      contactPhone: to,
      answeredBy: update ? event.userId : null,
      at: this.clock.now(),
    });
    // A technician's text is refused (409) while another member holds a team or shared thread; the initial-problem
    // text is a notice, never refused by a claim.
    if (update && event.userId)
      await this.threadClaims.checkWriter(tx, { ...event, userId: event.userId }, conversationId);
    return { messageIds, startIds: messageIds.slice(0, 1) };
  }

  private async whyNot(tx: EntityManager, context: TicketSmsContext): Promise<string | null> {
    if (!(await this.settings.get(context.account.id, tx)).enabled) return 'SMS is turned off for this account';
    if (!context.customer.smsEnabled) return 'The customer has SMS turned off';
    if (!context.customer.phones.some((p) => p.type === 'mobile')) return 'The customer has no mobile phone';
    return null;
  }
}

/** Writes the rows of one outbound text, one per part (part_index from 1, in order); returns their ids in part order. */
async function insertText(
  tx: EntityManager,
  base: Pick<SmsMessage, 'accountId' | 'kind' | 'ticketId' | 'commentId' | 'sendId' | 'createdByUserId'>,
  row: Pick<SmsMessage, 'status' | 'sendAt' | 'sendNow' | 'errorMessage' | 'toNumber' | 'fromNumber' | 'provider'>,
  parts: TextPart[],
): Promise<string[]> {
  const ids = parts.map(() => randomUUID());
  await runPrepared(tx, INSERT_TEXT, [
    base.accountId,
    base.kind,
    base.ticketId,
    base.commentId,
    base.sendId,
    base.createdByUserId,
    row.status,
    row.sendAt,
    row.errorMessage,
    row.toNumber,
    row.fromNumber,
    row.provider,
    parts.length,
    ids,
    parts.map((p) => p.text),
    parts.map((p) => p.encoding),
    parts.map((p) => p.segments),
    row.sendNow,
  ]);
  return ids;
}
