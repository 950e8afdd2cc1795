import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { TICKET_GATEWAY, type TicketGateway } from '../ports/ticket-gateway.port';
import { SmsMessage } from './sms-message.entity';

@Injectable()
export class SmsMessagesService {
  constructor(
    @InjectRepository(SmsMessage) private readonly messages: Repository<SmsMessage>,
    @Inject(TICKET_GATEWAY) private readonly gateway: TicketGateway,
  ) {}

  async get(accountId: string, id: string): Promise<SmsMessage> {
    const found = await this.messages.findOne({ where: { accountId, id } });
    if (!found) throw new NotFoundException('No such SMS message in this account');
    return found;
  }

  async forTicket(accountId: string, ticketId: string): Promise<SmsMessage[]> {
    if (!(await this.gateway.getTicketContext(accountId, ticketId, null)))
      throw new NotFoundException('No such ticket in this account');
    return this.messages.find({ where: { accountId, ticketId }, order: { createdAt: 'ASC', partIndex: 'ASC' } });
  }
}
