import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '../core/api-docs';
import { CurrentCaller, type SmsCaller, SmsCallerGuard } from '../auth/caller';
import { toSmsMessageResponse } from '../messages/sms-message.dto';
import { MoveReplyDto } from './inbound.dto';
import { InboundTriage } from './inbound-triage.service';

@ApiTags('sms messages')
@ApiBearerAuth()
@UseGuards(SmsCallerGuard)
@Controller('sms')
export class InboundMessagesController {
  constructor(private readonly replies: InboundTriage) {}

  /**
   * Moves a customer's reply, its comment and attachments, to another ticket of that customer (or confirms a guess).
   */
  @Post('messages/:id/move')
  @HttpCode(200)
  async move(@CurrentCaller() caller: SmsCaller, @Param('id', ParseUUIDPipe) id: string, @Body() body: MoveReplyDto) {
    return toSmsMessageResponse(await this.replies.move(caller, id, body.ticketId));
  }

  /** Replies whose ticket was a guess, replies no ticket took, and texts that failed to process, of threads the caller sees. */
  @Get('triage')
  triage(@CurrentCaller() caller: SmsCaller) {
    return this.replies.triage(caller);
  }
}
