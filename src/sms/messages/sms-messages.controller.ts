import { Controller, Get, Param, ParseUUIDPipe, UseGuards } from '@nestjs/common';
import { HostIdPipe } from '../core/host-id';
import { ApiBearerAuth, ApiTags } from '../core/api-docs';
import { CurrentCaller, type SmsCaller, SmsCallerGuard } from '../auth/caller';
import { toSmsMessageResponse } from './sms-message.dto';
import { SmsMessagesService } from './sms-messages.service';

@ApiTags('sms messages')
@ApiBearerAuth()
@UseGuards(SmsCallerGuard)
@Controller()
export class SmsMessagesController {
  constructor(private readonly messages: SmsMessagesService) {}

  @Get('sms/messages/:id')
  async get(@CurrentCaller() caller: SmsCaller, @Param('id', ParseUUIDPipe) id: string) {
    return toSmsMessageResponse(await this.messages.get(caller, id));
  }
}

/** A ticket's texts: the one route in the host's own URL space, a group a host may leave out (routes.ticketTexts). */
@ApiTags('sms messages')
@ApiBearerAuth()
@UseGuards(SmsCallerGuard)
@Controller()
export class TicketTextsController {
  constructor(private readonly messages: SmsMessagesService) {}

  /**
   * Both directions, with status, segments, credits, and the reason when a text was not sent. Texts of threads the
   * caller may not see are left out and counted (`hidden`); the ticket's own comments are the host's to show.
   */
  @Get('tickets/:id/sms')
  async forTicket(@CurrentCaller() caller: SmsCaller, @Param('id', HostIdPipe) id: string) {
    const { messages, hidden } = await this.messages.forTicket(caller, id);
    return { messages: messages.map(toSmsMessageResponse), hidden };
  }
}
