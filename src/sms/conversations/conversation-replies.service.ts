import { randomUUID } from 'node:crypto';
import { Inject, Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, Repository } from 'typeorm';
import { CannedReplies } from '../canned-replies/canned-replies.service';
import { Clock } from '../clock/clock';
import { MessageQueue } from '../messages/message-queue.service';
import { SmsMessage } from '../messages/sms-message.entity';
import { notAssigned, notVerified } from '../numbers/sms-numbers.service';
import { OptOutsService } from '../opt-outs/opt-outs.service';
import { TICKET_GATEWAY, type TicketGateway } from '../ports/ticket-gateway.port';
import { LiveReplies } from '../schedule/live-replies.service';
import { SendSchedule } from '../schedule/send-schedule.service';
import { analyzeSms, MAX_SMS_CHARACTERS, splitSms } from '../segments/segments';
import { SmsSettingsService } from '../settings/sms-settings.service';
import { SMS_MODULE_OPTIONS, type ResolvedSmsOptions } from '../sms.options';
import type { Viewer } from './conversation-access';
import { ConversationClaims, LockedConversation } from './conversation-claims.service';
import { ConversationsService } from './conversations.service';
import type { ConversationReplyDto } from './conversations.dto';
import { SmsConversation } from './sms-conversation.entity';
import { LATEST_TICKET } from './conversations.queries';

/** The outbound rows of a reply: one per part of a split text. */
export const CONVERSATION_REPLY_KIND = 'conversation_reply';

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
    @Inject(SMS_MODULE_OPTIONS) private readonly options: ResolvedSmsOptions,
    private readonly claims: ConversationClaims,
    private readonly conversations: ConversationsService,
    private readonly settings: SmsSettingsService,
    private readonly schedule: SendSchedule,
    private readonly optOuts: OptOutsService,
    private readonly queue: MessageQueue,
    private readonly clock: Clock,
    private readonly liveReplies: LiveReplies,
    private readonly cannedReplies: CannedReplies,
  ) {}

  async reply(viewer: Viewer, conversationId: string, input: ConversationReplyDto): Promise<SmsMessage[]> {
    await this.claims.assertMember(viewer, conversationId);
    const ids = await this.messages.manager.transaction(async (tx) => {
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
      const analysis = analyzeSms(body, { smartEncoding: settings.smartEncoding });
      if (!analysis.text.trim()) throw new UnprocessableEntityException('The reply is empty');
      if (analysis.characters > MAX_SMS_CHARACTERS) {
        throw new UnprocessableEntityException(
          `The reply is ${analysis.characters} characters; the limit is ${MAX_SMS_CHARACTERS}`,
        );
      }
      if (input.sendNow) await this.schedule.assertMaySendNow(tx, viewer.accountId, viewer.userId);

      const now = this.clock.now();
      const claimed =
        ConversationClaims.claimable(locked, viewer.userId) &&
        (await this.claims.take(tx, locked, viewer, 'reply', now, { takeOver: input.takeOver }));
      // A contact who texted within the live-reply window is answered at once, whatever the business hours.
      const plan = await this.liveReplies.plan(tx, {
        accountId: viewer.accountId,
        sendNow: input.sendNow === true,
        byPerson: true,
        businessNumber: conversation.businessNumber,
        contactPhone: conversation.contactPhone,
      });
      const parts = splitSms(body, { smartEncoding: settings.smartEncoding, mode: settings.splitMode });
      const sendId = randomUUID();
      // The ticket's history shows the reply like a technician's update with an SMS text.
      const commentId = ticketId
        ? (await this.gateway.addTechnicianText(viewer.accountId, { ticketId, userId: viewer.userId, text: body }, tx))
            .commentId
        : null;
      const inserted = await tx.getRepository(SmsMessage).insert(
        parts.map((part, i) => ({
          accountId: viewer.accountId,
          direction: 'outbound' as const,
          kind: CONVERSATION_REPLY_KIND,
          ticketId,
          commentId,
          conversationId: conversation.id,
          sendId,
          ...plan,
          toNumber: conversation.contactPhone,
          fromNumber: conversation.businessNumber,
          body: part.text,
          encoding: part.encoding,
          segments: part.segments,
          partIndex: i + 1,
          partCount: parts.length,
          provider: this.options.provider,
          createdByUserId: viewer.userId,
        })),
      );
      await this.conversations.recordAgentMessage(tx, {
        accountId: viewer.accountId,
        businessNumber: conversation.businessNumber,
        contactPhone: conversation.contactPhone,
        userId: viewer.userId,
        at: now,
      });
      const after: LockedConversation = {
        conversation: await tx.getRepository(SmsConversation).findOneByOrFail({ id: conversation.id }),
        number,
      };
      if (claimed) await this.claims.announce(tx, after, 'conversation.claimed', { userId: viewer.userId }, now);
      await this.claims.announce(
        tx,
        after,
        'conversation.replied',
        { userId: viewer.userId, messageIds: inserted.identifiers.map((r) => r.id as string) },
        now,
      );
      return inserted.identifiers.map((r) => r.id as string);
    });
    // Only the first part now: the send pipeline enqueues each next part once the one before it was accepted.
    await this.queue.enqueue(ids.slice(0, 1));
    return this.messages.find({ where: { id: In(ids) }, order: { partIndex: 'ASC' } });
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
