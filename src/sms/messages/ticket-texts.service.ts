import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { retryingConflicts } from '../core/transaction-retry';
import { OutboundService } from './outbound.service';

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
    const { result, dispatch } = await retryingConflicts('ticket creation', () =>
      this.dataSource.transaction(async (tx) => {
        const written = await write(tx);
        const dispatch = await this.outbound.ticketCreated(tx, { ...actor, ticketId: written.ticketId });
        return { result: written.result, dispatch };
      }),
    );
    await this.outbound.dispatch(dispatch);
    return { result, messageIds: dispatch.messageIds };
  }

  /**
   * An update of ticket `ticketId`: the customer's texts lock is taken first, then `write` updates the ticket and
   * writes its comment in `tx`; the `smsBody` it returns goes to the customer through the `ticket_update` template.
   */
  async updated<T>(
    actor: TicketActor & { ticketId: string } & TicketUpdateOptions,
    write: (tx: EntityManager) => Promise<TicketUpdatedWrite<T>>,
  ): Promise<WithTexts<T>> {
    const { result, dispatch } = await retryingConflicts('ticket update', () =>
      this.dataSource.transaction(async (tx) => {
        // In the order a customer's reply takes them: their texts, then the ticket.
        await this.outbound.lockCustomerTexts(tx, actor.accountId, actor.ticketId);
        const written = await write(tx);
        const dispatch = await this.outbound.ticketUpdatedLocked(tx, {
          ...actor,
          commentId: written.commentId,
          smsBody: written.smsBody,
        });
        return { result: written.result, dispatch };
      }),
    );
    await this.outbound.dispatch(dispatch);
    return { result, messageIds: dispatch.messageIds };
  }
}
