import { HttpException, Inject, Injectable, Logger } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { EntityManager } from 'typeorm';
import { hydratePrefixed, prefixedColumnList } from '../core/hydrate';
import { PreparedStatement, runPrepared } from '../core/prepared';
import { isDatabaseUnavailable } from '../core/database-unavailable.filter';
import { isTransactionConflict } from '../core/transaction-retry';
import { ThreadClaims } from '../conversations/thread-claims.service';
import {
  SendingIdentity,
  threadCandidate,
  type ThreadCandidate,
  type ThreadRow,
} from '../numbers/sending-identity.service';
import { SmsNumber } from '../numbers/sms-number.entity';
import { TICKET_GATEWAY, type TicketGateway, TicketSmsContext } from '../ports/ticket-gateway.port';
import { SendSchedule } from '../schedule/send-schedule.service';
import { SmsSettings } from '../settings/sms-settings.entity';
import { SmsSettingsService } from '../settings/sms-settings.service';
import { SmsTemplatesService, templateVariables } from '../templates/sms-templates.service';
import { type TemplateKey } from '../templates/template-renderer';
import { contactLockKey, lockContact } from './contact-lock';
import { lockContactWithSettings } from './outbound.queries';
import { OutboundKind, OutboundWriter } from './outbound-writer.service';

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

/**
 * A ticket text that could not be written (not a refusal): its statements may have left the transaction unusable, so
 * the transaction is rolled back and run again with the text recorded as failed (`TicketTexts` does).
 */
export class TextNotWritten extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/**
 * What a ticket update's text read before the host's write: the ticket (with the technician), and with the customer's
 * texts lock the template and the customer's threads.
 */
export interface TicketUpdateStart {
  context: TicketSmsContext | null;
  /** The `ticket_update` template in force. */
  templateSource?: string;
  /** The numbers the customer has threads on, latest first. */
  threads?: ThreadCandidate[];
}

/** What a text's path read already in the transaction, so that writing the text does not read it again. */
interface ReadAlready {
  context?: TicketSmsContext;
  templateSource?: string;
  threads?: ThreadCandidate[];
}

/** Turns ticket events into outbound SMS rows (the outbox), inside the host's transaction. */
@Injectable()
export class OutboundService {
  private readonly logger = new Logger(OutboundService.name);

  constructor(
    @Inject(TICKET_GATEWAY) private readonly gateway: TicketGateway,
    private readonly settings: SmsSettingsService,
    private readonly senders: SendingIdentity,
    private readonly writer: OutboundWriter,
    private readonly schedule: SendSchedule,
    private readonly threadClaims: ThreadClaims,
    private readonly templates: SmsTemplatesService,
    @InjectEntityManager() manager: EntityManager,
  ) {
    this.lockWithSettings = lockContactWithSettings(
      prefixedColumnList(manager, SmsSettings, 's', 's.'),
      prefixedColumnList(manager, SmsNumber, 'n', 'n.'),
    );
  }

  private readonly lockWithSettings: PreparedStatement;

  /** A new ticket: the customer gets the `initial_problem` text. A text that cannot go is recorded with the reason. */
  ticketCreated(tx: EntityManager, event: TicketEvent): Promise<SmsDispatch> {
    return this.write(tx, event, 'initial_problem', undefined);
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
    const text = event.smsBody?.trim();
    if (!text) return { messageIds: [] };
    return this.write(tx, event, 'ticket_update', { message: text, commentId: event.commentId });
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

  /**
   * `TicketTexts.updated`, before the host's write: reads the ticket (with the technician, so the text needs no second
   * read when the host says the status it left), and takes the customer's texts lock with the account's settings and
   * `ticket_update` template in the same statement.
   */
  async beforeTicketUpdate(tx: EntityManager, event: TicketEvent): Promise<TicketUpdateStart> {
    const context = await this.gateway.getTicketContext(event.accountId, event.ticketId, event.userId, tx);
    const mobile = context?.customer.phones.find((p) => p.type === 'mobile')?.number;
    if (!mobile) return { context };
    const rows = await runPrepared<Record<string, unknown> & ThreadRow & { template_body: string | null }>(
      tx,
      this.lockWithSettings,
      [contactLockKey(event.accountId, mobile), event.accountId, 'ticket_update', mobile],
    );
    const [first] = rows;
    this.settings.remember(tx, event.accountId, hydratePrefixed(tx, SmsSettings, first, 's.'));
    const threads = rows.flatMap((row) => threadCandidate(tx, row, 'n.') ?? []);
    return { context, templateSource: this.templates.inForce('ticket_update', first.template_body), threads };
  }

  /**
   * `TicketTexts.updated`, after the host's write: the text, in `tx`, without a savepoint. A text that cannot be written
   * throws `TextNotWritten`; the transaction then runs again with `failed`, its reason, recorded instead.
   */
  ticketUpdatedInTransaction(
    tx: EntityManager,
    start: TicketUpdateStart,
    event: TicketEvent & { commentId: string; smsBody: string | null | undefined; ticketStatus?: string },
    failed: string | null,
  ): Promise<SmsDispatch> {
    const text = event.smsBody?.trim();
    if (!text) return Promise.resolve({ messageIds: [] });
    const update = { message: text, commentId: event.commentId };
    if (failed !== null) return this.recordFailed(tx, event, 'ticket_update', update, failed);
    const { context } = start;
    const read: ReadAlready = { templateSource: start.templateSource };
    // The threads were read for the customer's phone in that context: they go with it.
    if (context && event.ticketStatus !== undefined) {
      read.context = { ...context, ticket: { ...context.ticket, status: event.ticketStatus } };
      read.threads = start.threads;
    }
    return this.withoutSavepoint(tx, event, 'ticket_update', update, read);
  }

  /** `TicketTexts.created`, after the host's write: the `initial_problem` text, as `ticketUpdatedInTransaction`. */
  ticketCreatedInTransaction(tx: EntityManager, event: TicketEvent, failed: string | null): Promise<SmsDispatch> {
    if (failed !== null) return this.recordFailed(tx, event, 'initial_problem', undefined, failed);
    return this.withoutSavepoint(tx, event, 'initial_problem', undefined, {});
  }

  /** Enqueues the rows after commit; the outbox sweep covers a crash between the two. */
  dispatch(dispatch: SmsDispatch): Promise<void> {
    return this.writer.dispatch({ startIds: dispatch.startIds ?? dispatch.messageIds });
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
    key: TemplateKey & OutboundKind,
    update: { message: string; commentId: string } | undefined,
  ): Promise<SmsDispatch> {
    await tx.query('SAVEPOINT sms_text');
    try {
      const dispatch = await this.writeText(tx, event, key, update);
      await tx.query('RELEASE SAVEPOINT sms_text');
      return dispatch;
    } catch (error) {
      const reason = this.whyFailed(error, event, key);
      try {
        await tx.query('ROLLBACK TO SAVEPOINT sms_text');
      } catch {
        // The transaction itself is lost: what went wrong first is what the host should see.
        throw error;
      }
      return this.recordFailed(tx, event, key, update, reason);
    }
  }

  /** `write` for a caller that runs the whole transaction again when the text fails (`TextNotWritten`). */
  private async withoutSavepoint(
    tx: EntityManager,
    event: TicketEvent,
    key: TemplateKey & OutboundKind,
    update: { message: string; commentId: string } | undefined,
    read: ReadAlready,
  ): Promise<SmsDispatch> {
    try {
      return await this.writeText(tx, event, key, update, read);
    } catch (error) {
      throw new TextNotWritten(this.whyFailed(error, event, key));
    }
  }

  /**
   * Why the text could not be written, logged; rethrows what must fail the host's write as a whole: a refusal (4xx), a
   * conflict (retried) or the database gone (503).
   */
  private whyFailed(error: unknown, event: TicketEvent, key: TemplateKey & OutboundKind): string {
    const refused = error instanceof HttpException && error.getStatus() < 500;
    if (refused || isTransactionConflict(error) || isDatabaseUnavailable(error)) throw error;
    const reason = `The text could not be written: ${error instanceof Error ? error.message : String(error)}`;
    this.logger.error(`${key} text for ticket ${event.ticketId} of account ${event.accountId} failed: ${reason}`);
    return reason;
  }

  private async recordFailed(
    tx: EntityManager,
    event: TicketEvent,
    key: TemplateKey & OutboundKind,
    update: { commentId: string } | undefined,
    reason: string,
  ): Promise<SmsDispatch> {
    await this.writer.recordUnsent(tx, { ...this.identity(event, key, update), to: null, status: 'failed', reason });
    return { messageIds: [] };
  }

  private identity(event: TicketEvent, key: TemplateKey & OutboundKind, update: { commentId: string } | undefined) {
    return {
      accountId: event.accountId,
      kind: key,
      ticketId: event.ticketId,
      commentId: update?.commentId ?? null,
      authorId: event.userId,
    };
  }

  private async writeText(
    tx: EntityManager,
    event: TicketEvent,
    key: TemplateKey & OutboundKind,
    update: { message: string; commentId: string } | undefined,
    read: ReadAlready = {},
  ): Promise<SmsDispatch> {
    const context =
      read.context ?? (await this.gateway.getTicketContext(event.accountId, event.ticketId, event.userId, tx));
    if (!context)
      throw new Error(
        `the TicketGateway found no ticket ${event.ticketId} in account ${event.accountId} (getTicketContext answered null)`,
      );
    if (event.sendNow) await this.schedule.assertMaySendNow(tx, event.accountId, event.userId);
    const identity = this.identity(event, key, update);
    const skip = async (reason: string, to: string | null = null) => {
      await this.writer.recordUnsent(tx, { ...identity, to, status: 'skipped', reason });
      return { messageIds: [] };
    };

    // A bad explicit choice is refused (4xx) even when the text would not go anyway.
    const chosen = event.fromNumberId
      ? await this.senders.chosen(tx, event.accountId, event.userId, event.fromNumberId)
      : null;
    const settings = await this.settings.get(event.accountId, tx);
    const why = this.whyNot(settings, context);
    if (why) return skip(why);
    const to = context.customer.phones.find((p) => p.type === 'mobile')!.number;
    const choice = chosen ?? (await this.senders.automatic(tx, event.accountId, event.userId, to, read.threads));
    if ('skip' in choice) return skip(choice.skip, to);

    const written = await this.writer.write(tx, {
      ...identity,
      to,
      from: choice.number.number,
      text: {
        template: key,
        variables: templateVariables(context, update ? { message: update.message } : {}),
        source: read.templateSource,
      },
      schedule: event.sendNow ? 'send-now' : 'business-hours',
      settings,
      thread: choice.thread,
    });
    // A technician's text is refused (409) while another member holds a team or shared thread; the initial-problem
    // text is a notice, never refused by a claim.
    if (update && event.userId && written.conversation)
      await this.threadClaims.checkWriter(
        tx,
        { ...event, userId: event.userId },
        { conversation: written.conversation, number: choice.number },
      );
    return written.sending ? { messageIds: written.rowIds, startIds: written.startIds } : { messageIds: [] };
  }

  private whyNot(settings: SmsSettings, context: TicketSmsContext): string | null {
    if (!settings.enabled) return 'SMS is turned off for this account';
    if (!context.customer.smsEnabled) return 'The customer has SMS turned off';
    if (!context.customer.phones.some((p) => p.type === 'mobile')) return 'The customer has no mobile phone';
    return null;
  }
}
