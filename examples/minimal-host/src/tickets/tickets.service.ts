import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { TicketTexts } from 'ticket-sms';
import { DataSource, EntityManager, In } from 'typeorm';
import { Agent } from '../accounts/agent.entity';
import { ourId } from '../common/ids';
import { Customer } from '../customers/customer.entity';
import { Attachment } from './attachment.entity';
import { Comment } from './comment.entity';
import { Ticket } from './ticket.entity';
import { insertTicket } from './insert-ticket';
import type { AddCommentDto, CreateTicketDto } from './tickets.dto';

@Injectable()
export class TicketsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly texts: TicketTexts,
  ) {}

  /** A new ticket; ticket-sms texts the customer that we have it. */
  async create(agent: Agent, input: CreateTicketDto) {
    const { result, messageIds } = await this.texts.created(
      { accountId: String(agent.accountId), userId: String(agent.id) },
      async (tx) => {
        const customer = await tx.findOneBy(Customer, { accountId: agent.accountId, id: input.customerId });
        if (!customer) throw new NotFoundException(`No customer ${input.customerId} in your account`);
        const ticket = await insertTicket(tx, agent.accountId, input);
        return { result: ticket, ticketId: String(ticket.id) };
      },
    );
    return { ...result, smsMessageIds: messageIds };
  }

  /** An agent's comment; its `smsText`, if any, goes to the customer. */
  async addComment(agent: Agent, ticketId: string, input: AddCommentDto) {
    const actor = { accountId: String(agent.accountId), userId: String(agent.id), ticketId };
    const { result, messageIds } = await this.texts.updated(actor, async (tx) => {
      const ticket = await this.find(tx, agent.accountId, ticketId);
      const comment = await tx.save(Comment, {
        ticketId: ticket.id,
        accountId: agent.accountId,
        authorKind: 'agent',
        agentId: agent.id,
        body: input.body,
        isPublic: input.isPublic ?? true,
      });
      // A public answer waits on the customer; a private note leaves the ticket as it was.
      if (comment.isPublic) await tx.update(Ticket, ticket.id, { status: 'pending' });
      return { result: comment, commentId: String(comment.id), smsBody: input.smsText };
    });
    return { ...result, smsMessageIds: messageIds };
  }

  async get(agent: Agent, ticketId: string) {
    const ticket = await this.find(this.dataSource.manager, agent.accountId, ticketId);
    const comments = await this.dataSource.manager.find(Comment, {
      where: { ticketId: ticket.id },
      order: { id: 'ASC' },
    });
    const attachments = await this.dataSource.manager.findBy(Attachment, { commentId: In(comments.map((c) => c.id)) });
    return {
      ...ticket,
      comments: comments.map((c) => ({ ...c, attachments: attachments.filter((a) => a.commentId === c.id) })),
    };
  }

  private async find(db: EntityManager, accountId: number, ticketId: string): Promise<Ticket> {
    const id = ourId(ticketId);
    const ticket = id && (await db.findOneBy(Ticket, { accountId, id }));
    if (!ticket) throw new NotFoundException(`No ticket ${ticketId} in your account`);
    return ticket;
  }
}
