import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Clock } from '../clock/clock';
import { textVisibleSql, Viewer, viewerParams } from '../conversations/conversation-access';
import { TICKET_GATEWAY, type TicketGateway } from '../ports/ticket-gateway.port';
import { SmsMessage } from './sms-message.entity';

/** Who reads texts: the caller as the module knows them. */
export interface TextReader {
  accountId: string;
  userId: string;
  role: 'admin' | 'technician';
}

/**
 * Texts read one by one and by ticket, under the same visibility as the conversations they are in: a text of a
 * thread the reader may not see (another user's direct number, a `handler` thread they did not handle, an earlier
 * assignment's history) is not found for them.
 */
@Injectable()
export class SmsMessagesService {
  constructor(
    @InjectRepository(SmsMessage) private readonly messages: Repository<SmsMessage>,
    @Inject(TICKET_GATEWAY) private readonly gateway: TicketGateway,
    private readonly clock: Clock,
  ) {}

  async get(reader: TextReader, id: string): Promise<SmsMessage> {
    const viewer = await this.viewer(reader);
    const found = await this.messages
      .createQueryBuilder('m')
      .where('m.id = :id', { id })
      .andWhere(textVisibleSql(viewer), viewerParams(viewer, this.clock.now()))
      .getOne();
    if (!found) throw new NotFoundException('No such SMS message for you in this account');
    return found;
  }

  /** The ticket's texts the reader may see, and how many others it has. */
  async forTicket(reader: TextReader, ticketId: string): Promise<{ messages: SmsMessage[]; hidden: number }> {
    if (!(await this.gateway.getTicketContext(reader.accountId, ticketId, null)))
      throw new NotFoundException('No such ticket in this account');
    const viewer = await this.viewer(reader);
    const all = await this.messages.find({
      where: { accountId: reader.accountId, ticketId },
      order: { createdAt: 'ASC', partIndex: 'ASC' },
    });
    if (viewer.role === 'admin' || all.length === 0) return { messages: all, hidden: 0 };
    const visible = new Set(
      (
        await this.messages
          .createQueryBuilder('m')
          .select('m.id', 'id')
          .where('m.ticket_id = :ticketId', { ticketId })
          .andWhere(textVisibleSql(viewer), viewerParams(viewer, this.clock.now()))
          .getRawMany<{ id: string }>()
      ).map((r) => r.id),
    );
    const messages = all.filter((m) => visible.has(m.id));
    return { messages, hidden: all.length - messages.length };
  }

  private async viewer(reader: TextReader): Promise<Viewer> {
    if (reader.role === 'admin') return { ...reader, teamIds: [] };
    return { ...reader, teamIds: (await this.gateway.getUser(reader.accountId, reader.userId))?.teamIds ?? [] };
  }
}
