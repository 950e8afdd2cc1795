import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock } from '../clock/clock';
import { TICKET_GATEWAY, type TicketGateway } from '../ports/ticket-gateway.port';
import { liveHolder } from './conversation-access';
import { ConversationClaims, type LockedConversation } from './conversation-claims.service';

/** A person texting a contact outside the conversation view (a ticket update with an SMS text). */
export interface ThreadWriter {
  accountId: string;
  userId: string;
  /** An admin ends another member's live claim instead of being refused. */
  takeOver?: boolean;
}

/**
 * Claims hold on every path a person texts a contact from a team or shared number, not only conversation replies: a
 * ticket update's text to the thread is refused (409 naming the holder) while another member holds it; the holder's
 * own text extends their claim; an admin's `takeOver` ends the holder's claim and takes it. A ticket text to a thread
 * nobody holds starts no claim (a ticket update is not taking the conversation; replying in it or claiming it is).
 * Automated texts (the initial-problem text) are never refused by a claim: they are notices about a ticket, not
 * someone's answer, and must not be lost.
 */
@Injectable()
export class ThreadClaims {
  constructor(
    @Inject(TICKET_GATEWAY) private readonly gateway: TicketGateway,
    private readonly claims: ConversationClaims,
    private readonly clock: Clock,
  ) {}

  /**
   * The writer's text to the conversation was written in `tx`: 409 while another member holds it, so the whole write
   * is refused and nothing is sent; the holder's own text extends their claim. `locked`: the conversation as the write
   * left it, its row locked in `tx` (the write's upsert locks it), and its number.
   */
  async checkWriter(tx: EntityManager, writer: ThreadWriter, locked: LockedConversation): Promise<void> {
    if (!ConversationClaims.claimable(locked, writer.userId)) return;
    const now = this.clock.now();
    if (!liveHolder(locked.conversation, now)) return;
    const user = await this.gateway.getUser(writer.accountId, writer.userId, tx);
    const viewer = {
      accountId: writer.accountId,
      userId: writer.userId,
      role: user?.role ?? 'technician',
      teamIds: user?.teamIds ?? [],
    };
    if (await this.claims.take(tx, locked, viewer, 'reply', now, { takeOver: writer.takeOver }))
      await this.claims.announce(tx, locked, 'conversation.claimed', { userId: writer.userId }, now);
  }
}
