import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { retryingConflicts } from '../core/transaction-retry';
import { OutboundService, type SmsDispatch, TextNotWritten } from './outbound.service';

/** Who acted on a ticket. */
export interface TicketActor {
  accountId: string;
  /** The technician who acted; null for the system. */
  userId: string | null;
}

export interface TicketUpdateOptions {
  /** Send at once even while closed; refused (403) unless the actor is an admin or admins allow it. */
  sendNow?: boolean;
  /** The number to text from, among those the actor may use; otherwise the module chooses. */
  fromNumberId?: string;
  /** An admin takes over a team or shared thread another member holds, instead of being refused (409). */
  takeOver?: boolean;
}

/** What the host's own write returns for a new ticket: its result, and the ticket's id. */
export interface TicketCreatedWrite<T> {
  result: T;
  ticketId: string;
}

/** What the host's own write returns for an update: its result, the comment it wrote, and the text to send if any. */
export interface TicketUpdatedWrite<T> {
  result: T;
  commentId: string;
  /** The SMS text the technician typed; empty or absent sends nothing. */
  smsBody?: string | null;
  /**
   * The ticket's status after the write. Given, the text (its `{{ticket.status}}`) is rendered from the ticket as read
   * before the write with this status, and the ticket is not read again; absent, it is read again after the write.
   */
  ticketStatus?: string;
}

export interface WithTexts<T> {
  result: T;
  /** The SMS rows written: one per part of a split text, none when nothing is sent. */
  messageIds: string[];
}

/**
 * The one call a host makes for each ticket write that may text the customer. It runs the host's own write and the
 * text's rows in one transaction (run again, whole, on a deadlock or serialization conflict), takes the customer's
 * texts lock in the right order, and enqueues the text after commit. A problem with the text never fails the host's
 * write: the text is recorded as failed with its reason.
 */
@Injectable()
export class TicketTexts {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbound: OutboundService,
  ) {}

  /** A new ticket: `write` inserts it in `tx`; the customer gets the `initial_problem` text. */
  async created<T>(
    actor: TicketActor,
    write: (tx: EntityManager) => Promise<TicketCreatedWrite<T>>,
  ): Promise<WithTexts<T>> {
    return this.withText('ticket creation', (failed) =>
      this.dataSource.transaction(async (tx) => {
        const written = await write(tx);
        const dispatch = await this.outbound.ticketCreatedInTransaction(
          tx,
          { ...actor, ticketId: written.ticketId },
          failed,
        );
        return { result: written.result, dispatch };
      }),
    );
  }

  /**
   * An update of ticket `ticketId`: the ticket is read and the customer's texts lock taken first, then `write` updates
   * the ticket and writes its comment in `tx`; the `smsBody` it returns goes to the customer through the
   * `ticket_update` template.
   */
  async updated<T>(
    actor: TicketActor & { ticketId: string } & TicketUpdateOptions,
    write: (tx: EntityManager) => Promise<TicketUpdatedWrite<T>>,
  ): Promise<WithTexts<T>> {
    return this.withText('ticket update', (failed) =>
      this.dataSource.transaction(async (tx) => {
        // In the order a customer's reply takes them: their texts, then the ticket.
        const before = await this.outbound.beforeTicketUpdate(tx, actor);
        const written = await write(tx);
        const dispatch = await this.outbound.ticketUpdatedInTransaction(
          tx,
          before,
          { ...actor, commentId: written.commentId, smsBody: written.smsBody, ticketStatus: written.ticketStatus },
          failed,
        );
        return { result: written.result, dispatch };
      }),
    );
  }

  /**
   * Runs the transaction (again, whole, on a conflict). When the text could not be written, the transaction rolled
   * back; it runs once more with the text recorded as failed, so the host's write stands. No savepoint is needed on
   * the way: a text that fails is rare, a savepoint costs two round trips on every write.
   */
  private async withText<T>(
    what: string,
    transaction: (failed: string | null) => Promise<{ result: T; dispatch: SmsDispatch }>,
  ): Promise<WithTexts<T>> {
    const run = (failed: string | null) => retryingConflicts(what, () => transaction(failed));
    const { result, dispatch } = await run(null).catch((error: unknown) => {
      if (error instanceof TextNotWritten) return run(error.reason);
      throw error;
    });
    await this.outbound.dispatch(dispatch);
    return { result, messageIds: dispatch.messageIds };
  }
}
