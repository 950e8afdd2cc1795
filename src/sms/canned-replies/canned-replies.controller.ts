import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '../core/api-docs';
import { AdminOnlyGuard, CurrentCaller, type SmsCaller, SmsCallerGuard } from '../auth/caller';
import { ConversationQueries } from '../conversations/conversation-queries.service';
import { TEMPLATE_HELPERS, TEMPLATE_VARIABLES } from '../templates/template-renderer';
import { CreateCannedReplyDto, SignOffDto, toCannedReplyResponse, UpdateCannedReplyDto } from './canned-replies.dto';
import { CannedReplies } from './canned-replies.service';

/** Canned replies: members list the account's and their teams' ones; admins write them. */
@ApiTags('sms canned replies')
@ApiBearerAuth()
@UseGuards(SmsCallerGuard)
@Controller('sms/canned-replies')
export class CannedRepliesController {
  constructor(
    private readonly replies: CannedReplies,
    private readonly queries: ConversationQueries,
  ) {}

  @Get()
  async list(@CurrentCaller() caller: SmsCaller) {
    const replies = await this.replies.list(await this.queries.viewer(caller));
    return {
      cannedReplies: replies.map(toCannedReplyResponse),
      variables: TEMPLATE_VARIABLES,
      helpers: TEMPLATE_HELPERS,
    };
  }

  @Post()
  @UseGuards(AdminOnlyGuard)
  async create(@CurrentCaller() caller: SmsCaller, @Body() body: CreateCannedReplyDto) {
    return toCannedReplyResponse(await this.replies.create(caller.accountId, caller.userId, body));
  }

  @Put(':id')
  @UseGuards(AdminOnlyGuard)
  async update(
    @CurrentCaller() caller: SmsCaller,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateCannedReplyDto,
  ) {
    return toCannedReplyResponse(await this.replies.update(caller.accountId, caller.userId, id, body));
  }

  @Delete(':id')
  @HttpCode(204)
  @UseGuards(AdminOnlyGuard)
  async remove(@CurrentCaller() caller: SmsCaller, @Param('id', ParseUUIDPipe) id: string) {
    await this.replies.remove(caller.accountId, id);
  }
}

/** The caller's own sign-off, added on its own line to the texts they write in conversations. */
@ApiTags('sms canned replies')
@ApiBearerAuth()
@UseGuards(SmsCallerGuard)
@Controller('sms/sign-off')
export class SignOffController {
  constructor(private readonly replies: CannedReplies) {}

  @Get()
  async get(@CurrentCaller() caller: SmsCaller) {
    return { signOff: await this.replies.signOffOf(caller.accountId, caller.userId) };
  }

  @Put()
  async set(@CurrentCaller() caller: SmsCaller, @Body() body: SignOffDto) {
    return { signOff: await this.replies.setSignOff(caller.accountId, caller.userId, body.signOff) };
  }
}
