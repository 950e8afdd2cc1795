import { randomBytes } from 'node:crypto';
import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { retryingConflicts } from '../../common/transaction-retry';
import { OutboundService } from '../../sms';
import { Account } from '../accounts/account.entity';
import { Customer } from '../customers/customer.entity';
import { Attachment } from './attachment.entity';
import { Comment } from './comment.entity';
import { Ticket } from './ticket.entity';
import { CreateTicketDto, TicketUpdateDto } from './tickets.dto';

@Injectable()
export class TicketsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly sms: OutboundService,
  ) {}

  /** Creates the ticket and, in the same transaction, its initial-problem SMS; the send is enqueued after commit. */
  async create(accountId: string, userId: string, input: CreateTicketDto): Promise<Ticket> {
    // A customer's reply processed at the same moment can deadlock with this; the losing transaction runs again.
    const { ticket, dispatch } = await retryingConflicts('ticket creation', () => this.dataSource.transaction(async (tx) => {
      const customer = await tx.getRepository(Customer).findOne({ where: { accountId, id: input.customerId } });
      if (!customer) throw new NotFoundException('No such customer in this account');
      const number = await nextTicketNumber(tx, accountId);
      const ticket = await tx.getRepository(Ticket).save(
        tx.getRepository(Ticket).create({
          accountId,
          number,
          customerId: customer.id,
          subject: input.subject,
          problem: input.problem,
          status: 'New',
          portalToken: randomBytes(24).toString('base64url'),
          createdByUserId: userId,
        }),
      );
      const dispatch = await this.sms.ticketCreated(tx, { accountId, ticketId: ticket.id, userId });
      return { ticket, dispatch };
    }));
    await this.sms.dispatch(dispatch);
    return ticket;
  }

  /** A technician's update: a comment, maybe a status change, and the SMS text when there is one. */
  async update(accountId: string, userId: string, ticketId: string, input: TicketUpdateDto) {
    const emailBody = input.emailBody?.trim() ?? '';
    const smsBody = input.smsBody?.trim() ?? '';
    if (!emailBody && !smsBody && !input.status) throw new BadRequestException('An update needs emailBody, smsBody or status');
    // Deadlocks are avoided by lock order; should one still happen (PostgreSQL aborts one side), the update runs again.
    const { comment, dispatch } = await retryingConflicts('ticket update', () => this.dataSource.transaction(async (tx) => {
      // In the order a customer's reply takes them: their texts, then the ticket.
      await this.sms.lockCustomerTexts(tx, accountId, ticketId);
      // The UPDATE takes the ticket's row lock itself: one statement where a locking read and an UPDATE were two.
      const touched = await tx
        .createQueryBuilder()
        .update(Ticket)
        .set({ ...(input.status ? { status: input.status } : {}), updatedAt: () => 'now()' })
        .where('account_id = :accountId AND id = :ticketId', { accountId, ticketId })
        .execute();
      if (touched.affected !== 1) throw new NotFoundException('No such ticket in this account');
      const comment = await tx.getRepository(Comment).save(
        tx.getRepository(Comment).create({
          accountId,
          ticketId,
          authorType: 'user',
          authorUserId: userId,
          body: emailBody || smsBody || `Status changed to ${input.status}`,
          smsBody: smsBody || null,
          // Text sent to the customer is public by nature.
          public: smsBody ? true : (input.public ?? true),
        }),
      );
      const dispatch = await this.sms.ticketUpdated(tx, { accountId, ticketId, userId, commentId: comment.id, smsBody, sendNow: input.sendNow, fromNumberId: input.fromNumberId });
      return { comment, dispatch };
    }));
    await this.sms.dispatch(dispatch);
    return { comment, messageIds: dispatch.messageIds };
  }

  async get(accountId: string, ticketId: string) {
    const ticket = await this.dataSource.getRepository(Ticket).findOne({ where: { accountId, id: ticketId } });
    if (!ticket) throw new NotFoundException('No such ticket in this account');
    const comments = await this.dataSource.getRepository(Comment).find({ where: { accountId, ticketId }, order: { createdAt: 'ASC' } });
    const attachments = await this.dataSource.getRepository(Attachment).find({ where: { accountId, ticketId }, order: { createdAt: 'ASC' } });
    return { ticket, comments, attachments };
  }

}

/** The account's next ticket number, taken with UPDATE … RETURNING so numbers never repeat (also used for tickets opened by SMS). */
export async function nextTicketNumber(tx: EntityManager, accountId: string): Promise<number> {
  const result = await tx
    .createQueryBuilder()
    .update(Account)
    .set({ nextTicketNumber: () => 'next_ticket_number + 1' })
    .where('id = :accountId', { accountId })
    .returning('next_ticket_number - 1 AS number')
    .execute();
  const rows = result.raw as { number: number }[];
  if (rows.length === 0) throw new NotFoundException('No such account');
  return rows[0].number;
}
