import { Body, Controller, Get, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { SmsCaller } from '../../sms';
import { CurrentUser } from '../auth/current-user';
import { CreateTicketDto, TicketUpdateDto, toCommentResponse, toTicketResponse } from './tickets.dto';
import { TicketsService } from './tickets.service';

@ApiTags('tickets')
@ApiBearerAuth()
@Controller('tickets')
export class TicketsController {
  constructor(private readonly tickets: TicketsService) {}

  @Post()
  async create(@CurrentUser() caller: SmsCaller, @Body() body: CreateTicketDto) {
    const ticket = await this.tickets.create(caller.accountId, caller.userId, body);
    return { id: ticket.id, number: ticket.number, status: ticket.status };
  }

  @Get(':id')
  async get(@CurrentUser() caller: SmsCaller, @Param('id', ParseUUIDPipe) id: string) {
    const { ticket, comments, attachments } = await this.tickets.get(caller.accountId, id);
    return { ...toTicketResponse(ticket), comments: comments.map((c) => toCommentResponse(c, attachments)) };
  }

  @Post(':id/updates')
  async update(
    @CurrentUser() caller: SmsCaller,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: TicketUpdateDto,
  ) {
    const { comment, messageIds } = await this.tickets.update(caller.accountId, caller.userId, id, body);
    return { comment: toCommentResponse(comment), smsMessageIds: messageIds };
  }
}
