import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '../core/api-docs';
import { CurrentCaller, type SmsCaller, SmsCallerGuard } from '../auth/caller';
import { toSmsMessageResponse } from '../messages/sms-message.dto';
import { ReplyDrafts } from '../canned-replies/reply-drafts.service';
import { ComposeService } from './compose.service';
import { ConversationClaims } from './conversation-claims.service';
import { ConversationQueries } from './conversation-queries.service';
import { ConversationReplies } from './conversation-replies.service';
import {
  ComposeDto,
  ConversationListQueryDto,
  DraftDto,
  ConversationReplyDto,
  ConversationTransferDto,
  toConversationDetailResponse,
  toConversationResponse,
} from './conversations.dto';

@ApiTags('sms conversations')
@ApiBearerAuth()
@UseGuards(SmsCallerGuard)
@Controller('sms/conversations')
export class ConversationsController {
  constructor(
    private readonly queries: ConversationQueries,
    private readonly replies: ConversationReplies,
    private readonly claims: ConversationClaims,
    private readonly composer: ComposeService,
    private readonly drafts: ReplyDrafts,
  ) {}

  /**
   * Starts a text to any phone from a number the caller may use (creating the conversation); then it is a reply like
   * any other. 400 invalid phone, 403 a number not theirs, 422 STOPped contact or unverified number, 409 claimed.
   */
  @Post()
  async compose(@CurrentCaller() caller: SmsCaller, @Body() body: ComposeDto) {
    const { conversationId, messages } = await this.composer.compose(await this.queries.viewer(caller), body);
    return {
      messages: messages.map(toSmsMessageResponse),
      conversation: toConversationResponse(await this.queries.view(caller.accountId, conversationId)),
    };
  }

  /** The conversations the caller may see, latest activity first. */
  @Get()
  async list(@CurrentCaller() caller: SmsCaller, @Query() query: ConversationListQueryDto) {
    const { conversations, total } = await this.queries.list(await this.queries.viewer(caller), query);
    return {
      conversations: conversations.map(toConversationResponse),
      total,
      limit: query.limit ?? 50,
      offset: query.offset ?? 0,
    };
  }

  @Get(':id')
  async get(@CurrentCaller() caller: SmsCaller, @Param('id', ParseUUIDPipe) id: string) {
    const found = await this.queries.get(await this.queries.viewer(caller), id);
    return toConversationDetailResponse(found.view, found.messages, found.tickets, found.historyHidden);
  }

  /** Replies (claiming a team or shared number's conversation); 409 naming the holder while another member holds it. */
  @Post(':id/messages')
  async reply(
    @CurrentCaller() caller: SmsCaller,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: ConversationReplyDto,
  ) {
    const messages = await this.replies.reply(await this.queries.viewer(caller), id, body);
    return {
      messages: messages.map(toSmsMessageResponse),
      conversation: toConversationResponse(await this.queries.view(caller.accountId, id)),
    };
  }

  /** The text a reply would send (typed or a canned reply, with the sign-off) and its segments and credits. */
  @Post(':id/draft')
  @HttpCode(200)
  async draft(@CurrentCaller() caller: SmsCaller, @Param('id', ParseUUIDPipe) id: string, @Body() body: DraftDto) {
    return this.drafts.draft(await this.queries.viewer(caller), id, body);
  }

  @Post(':id/claim')
  @HttpCode(200)
  async claim(@CurrentCaller() caller: SmsCaller, @Param('id', ParseUUIDPipe) id: string) {
    await this.claims.claim(await this.queries.viewer(caller), id);
    return toConversationResponse(await this.queries.view(caller.accountId, id));
  }

  @Post(':id/release')
  @HttpCode(200)
  async release(@CurrentCaller() caller: SmsCaller, @Param('id', ParseUUIDPipe) id: string) {
    await this.claims.release(await this.queries.viewer(caller), id);
    return toConversationResponse(await this.queries.view(caller.accountId, id));
  }

  @Post(':id/transfer')
  @HttpCode(200)
  async transfer(
    @CurrentCaller() caller: SmsCaller,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: ConversationTransferDto,
  ) {
    await this.claims.transfer(await this.queries.viewer(caller), id, body.userId);
    return toConversationResponse(await this.queries.view(caller.accountId, id));
  }
}
