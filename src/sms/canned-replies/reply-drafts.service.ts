import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { Viewer } from '../conversations/conversation-access';
import { ConversationClaims } from '../conversations/conversation-claims.service';
import { ConversationReplies } from '../conversations/conversation-replies.service';
import type { DraftDto } from '../conversations/conversations.dto';
import { SmsConversation } from '../conversations/sms-conversation.entity';
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
  ) {}

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
      return { ...cost, ticketId, signOff, warning: segmentWarning(cost) };
    });
  }
}
