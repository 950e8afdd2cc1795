import { Inject, Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, Repository } from 'typeorm';
import { CannedReplies } from '../canned-replies/canned-replies.service';
import { Clock } from '../clock/clock';
import { OutboundKind, OutboundWriter } from '../messages/outbound-writer.service';
import { SmsMessage } from '../messages/sms-message.entity';
import { notAssigned, notVerified } from '../numbers/sms-numbers.service';
import { OptOutsService } from '../opt-outs/opt-outs.service';
import { TICKET_GATEWAY, type TicketGateway } from '../ports/ticket-gateway.port';
import { SendSchedule } from '../schedule/send-schedule.service';
import { SmsSettingsService } from '../settings/sms-settings.service';
import type { Viewer } from './conversation-access';
import { ConversationClaims, LockedConversation } from './conversation-claims.service';
import type { ConversationReplyDto } from './conversations.dto';
import { SmsConversation } from './sms-conversation.entity';
import { LATEST_TICKET } from './conversations.queries';

/** The outbound rows of a reply: one per part of a split text. */
export const CONVERSATION_REPLY_KIND = 'conversation_reply' satisfies OutboundKind;

/**
 * A member's reply in a conversation: checked, written as outbound rows in the same transaction that claims the
 * conversation (team and shared numbers), and enqueued after commit, so it is sent and metered by the send pipeline
 * like any other text. A reply refused for any reason (409 held by another member, 422 …) writes nothing.
 */
@Injectable()
export class ConversationReplies {
  constructor(
    @InjectRepository(SmsMessage) private readonly messages: Repository<SmsMessage>,
    @Inject(TICKET_GATEWAY) private readonly gateway: TicketGateway,
    private readonly claims: ConversationClaims,
    private readonly settings: SmsSettingsService,
    private readonly schedule: SendSchedule,
    private readonly optOuts: OptOutsService,
    private readonly writer: OutboundWriter,
    private readonly clock: Clock,
    private readonly cannedReplies: CannedReplies,
  ) {}

  async reply(viewer: Viewer, conversationId: string, input: ConversationReplyDto): Promise<SmsMessage[]> {
    await this.claims.assertMember(viewer, conversationId);
    const written = await this.messages.manager.transaction(async (tx) => {
      // Everything below runs on this transaction's connection: twenty members replying at once queue on the row lock
      // without each needing a second connection from the pool.
      const locked = await this.claims.lock(tx, viewer.accountId, conversationId);
      const { conversation, number } = locked;
      if (!number) {
        throw new UnprocessableEntityException(
          `${conversation.businessNumber} is no longer one of the account's numbers; text the contact from a ticket update instead`,
        );
      }
      if (!number.verifiedAt) throw new UnprocessableEntityException(notVerified(number));
      if (number.kind === 'unassigned') throw new UnprocessableEntityException(notAssigned(number));
      const settings = await this.settings.get(viewer.accountId, tx);
      if (!settings.enabled) throw new UnprocessableEntityException('SMS is turned off for this account');
      if (await this.optOuts.isOptedOut(viewer.accountId, conversation.contactPhone, tx)) {
        throw new UnprocessableEntityException(
          `${conversation.contactPhone} texted STOP: nothing goes to this number until they text START`,
        );
      }
      const ticketId = await this.ticketOf(tx, conversation, input.ticketId);
      // Typed or a canned reply rendered for this conversation, with the writer's sign-off.
      const body = await this.cannedReplies.textOf(
        tx,
        viewer,
        { contactPhone: conversation.contactPhone, ticketId },
        input,
      );
      this.writer.assertSendable(CONVERSATION_REPLY_KIND, body, settings);
      if (input.sendNow) await this.schedule.assertMaySendNow(tx, viewer.accountId, viewer.userId);

      const now = this.clock.now();
      const claimed =
        ConversationClaims.claimable(locked, viewer.userId) &&
        (await this.claims.take(tx, locked, viewer, 'reply', now, { takeOver: input.takeOver }));
      // The ticket's history shows the reply like a technician's update with an SMS text.
      const commentId = ticketId
        ? (
            await this.gateway.addTechnicianText(
              viewer.accountId,
              { ticketId, userId: viewer.userId, text: body.trim() },
              tx,
            )
          ).commentId
        : null;
      const written = await this.writer.write(tx, {
        accountId: viewer.accountId,
        kind: CONVERSATION_REPLY_KIND,
        to: conversation.contactPhone,
        from: conversation.businessNumber,
        text: { body },
        ticketId,
        commentId,
        conversationId: conversation.id,
        authorId: viewer.userId,
        schedule: input.sendNow ? 'send-now' : 'business-hours',
        settings,
      });
      const after: LockedConversation = {
        // As the write left it (a reply is always recorded in its conversation).
        conversation:
          written.conversation ?? (await tx.getRepository(SmsConversation).findOneByOrFail({ id: conversation.id })),
        number,
      };
      if (claimed) await this.claims.announce(tx, after, 'conversation.claimed', { userId: viewer.userId }, now);
      await this.claims.announce(
        tx,
        after,
        'conversation.replied',
        { userId: viewer.userId, messageIds: written.rowIds },
        now,
      );
      return written;
    });
    await this.writer.dispatch(written);
    return this.messages.find({ where: { id: In(written.rowIds) }, order: { partIndex: 'ASC' } });
  }
  /**
   * The ticket the reply is about: the one asked for (the contact's own), else the ticket the conversation's latest
   * text was about.
   */
  async ticketOf(
    tx: EntityManager,
    conversation: SmsConversation,
    ticketId: string | undefined,
  ): Promise<string | null> {
    if (ticketId) {
      const ticket = await this.gateway.findTicket(conversation.accountId, { id: ticketId }, tx);
      if (!ticket) throw new NotFoundException('No such ticket in this account');
      const customers = await this.gateway.findCustomersByPhone(conversation.accountId, conversation.contactPhone, tx);
      if (!customers.some((c) => c.id === ticket.customerId)) {
        throw new UnprocessableEntityException(
          `Ticket #${ticket.number} belongs to a customer without the phone ${conversation.contactPhone}; link a ticket of this contact`,
        );
      }
      return ticket.id;
    }
    const latest = (await tx.query(LATEST_TICKET, [
      conversation.accountId,
      conversation.contactPhone,
      conversation.businessNumber,
    ])) as { ticket_id: string }[];
    return latest[0]?.ticket_id ?? conversation.lastOutboundTicketId;
  }
}
