import { Body, Controller, Get, Param, Post, UseGuards } from '@nestjs/common';
import { Agent } from '../accounts/agent.entity';
import { ApiKeyGuard, CurrentAgent } from '../auth/api-keys';
import { AddCommentDto, CreateTicketDto } from './tickets.dto';
import { TicketsService } from './tickets.service';

@UseGuards(ApiKeyGuard)
@Controller('tickets')
export class TicketsController {
  constructor(private readonly tickets: TicketsService) {}

  @Post()
  create(@CurrentAgent() agent: Agent, @Body() body: CreateTicketDto) {
    return this.tickets.create(agent, body);
  }

  @Post(':id/comments')
  addComment(@CurrentAgent() agent: Agent, @Param('id') id: string, @Body() body: AddCommentDto) {
    return this.tickets.addComment(agent, id, body);
  }

  @Get(':id')
  get(@CurrentAgent() agent: Agent, @Param('id') id: string) {
    return this.tickets.get(agent, id);
  }
}
