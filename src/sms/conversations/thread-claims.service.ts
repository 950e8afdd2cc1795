import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock } from '../clock/clock';
import { TICKET_GATEWAY, type TicketGateway } from '../ports/ticket-gateway.port';
import { ConversationClaims } from './conversation-claims.service';

/** A person texting a contact outside the conversation view (a ticket update with an SMS text). */
export interface ThreadWriter {
  accountId: string;
  userId: string;
  /** An admin ends another member's live claim instead of being refused. */
  takeOver?: boolean;
}

/**
 * Claims hold on every path a person texts a contact from a team or shared number, not only conversation replies: a
 * ticket update's text to the thread is refused (409 naming the holder) while another member holds it, and otherwise
 * claims or extends the thread for its writer, as a reply does. Automated texts (the initial-problem text) never
 * claim and are never refused by a claim: they are notices about a ticket, not someone's answer, and must not be lost.
 */
@Injectable()
export class ThreadClaims {
  constructor(
    @Inject(TICKET_GATEWAY) private readonly gateway: TicketGateway,
    private readonly claims: ConversationClaims,
    private readonly clock: Clock,
  ) {}

  /**
   * The writer's text to conversation `conversationId` was written in `tx`: they claim it (or extend their claim);
   * 409 while another member holds it, so the whole write is refused and nothing is sent.
   */
  async claimForWriter(tx: EntityManager, writer: ThreadWriter, conversationId: string): Promise<void> {
    const locked = await this.claims.lock(tx, writer.accountId, conversationId);
    if (!ConversationClaims.claimable(locked, writer.userId)) return;
    const user = await this.gateway.getUser(writer.accountId, writer.userId, tx);
    const viewer = {
      accountId: writer.accountId,
      userId: writer.userId,
      role: user?.role ?? 'technician',
      teamIds: user?.teamIds ?? [],
    };
    const now = this.clock.now();
    if (await this.claims.take(tx, locked, viewer, 'reply', now, { takeOver: writer.takeOver }))
      await this.claims.announce(tx, locked, 'conversation.claimed', { userId: writer.userId }, now);
  }
}
