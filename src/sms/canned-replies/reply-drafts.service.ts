import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { Clock } from '../clock/clock';
import type { Viewer } from '../conversations/conversation-access';
import { ConversationClaims } from '../conversations/conversation-claims.service';
import { ConversationReplies } from '../conversations/conversation-replies.service';
import type { DraftDto } from '../conversations/conversations.dto';
import { SmsConversation } from '../conversations/sms-conversation.entity';
import { LiveReplies } from '../schedule/live-replies.service';
import { SendSchedule } from '../schedule/send-schedule.service';
import { SmsSettingsService } from '../settings/sms-settings.service';
import { segmentWarning, textCost } from '../templates/text-cost';
import { CannedReplies } from './canned-replies.service';

/**
 * What a text written in a conversation would be before it is sent: the typed text or the canned reply rendered for
 * this conversation, with the writer's sign-off, and what it costs (segments, parts, credits), so the writer sees the
 * sign-off within the count and can insert the rendered canned reply into their box to edit it.
 */
@Injectable()
export class ReplyDrafts {
  constructor(
    @InjectRepository(SmsConversation) private readonly conversations: Repository<SmsConversation>,
    private readonly claims: ConversationClaims,
    private readonly replies: ConversationReplies,
    private readonly canned: CannedReplies,
    private readonly settings: SmsSettingsService,
    private readonly schedule: SendSchedule,
    private readonly liveReplies: LiveReplies,
    private readonly clock: Clock,
  ) {}

  /** When a reply written now would go: at once (open, or a live reply), or at the next opening. */
  private async when(tx: EntityManager, conversation: SmsConversation) {
    const now = this.clock.now();
    const due = await this.schedule.dueAt(conversation.accountId, now, tx);
    if (due.getTime() <= now.getTime()) return { now: true, at: null, live: false };
    if (await this.liveReplies.isLive(conversation, tx)) return { now: true, at: null, live: true };
    return { now: false, at: due, live: false };
  }

  async draft(viewer: Viewer, conversationId: string, input: DraftDto) {
    await this.claims.assertMember(viewer, conversationId);
    return this.conversations.manager.transaction(async (tx) => {
      const conversation = await tx
        .getRepository(SmsConversation)
        .findOneByOrFail({ accountId: viewer.accountId, id: conversationId });
      const ticketId = await this.replies.ticketOf(tx, conversation, input.ticketId);
      const text = await this.canned.textOf(tx, viewer, { contactPhone: conversation.contactPhone, ticketId }, input);
      const cost = textCost(text, await this.settings.get(viewer.accountId, tx));
      const signOff = input.signOff === false ? null : await this.canned.signOffOf(viewer.accountId, viewer.userId, tx);
      return { ...cost, ticketId, signOff, warning: segmentWarning(cost), goes: await this.when(tx, conversation) };
    });
  }
}
