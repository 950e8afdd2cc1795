import { Injectable } from '@nestjs/common';
import { TicketGatewayBase } from 'ticket-sms';
import type {
  AccountInfo,
  CustomerComment,
  CustomerSummary,
  TeamSummary,
  TicketSmsContext,
  TicketSummary,
  UserSummary,
} from 'ticket-sms';
import { DataSource, EntityManager, Not } from 'typeorm';
import { Account } from '../accounts/account.entity';
import { Agent, smsRole } from '../accounts/agent.entity';
import { ourId } from '../common/ids';
import { Customer } from '../customers/customer.entity';
import { Attachment } from '../tickets/attachment.entity';
import { Comment } from '../tickets/comment.entity';
import { Ticket } from '../tickets/ticket.entity';
import { insertTicket } from '../tickets/insert-ticket';

/** What ticket-sms reads and writes in our helpdesk. It hands us its transaction as `tx`; we write in it. */
@Injectable()
export class HelpdeskGateway extends TicketGatewayBase {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async getAccount(accountId: string, tx?: EntityManager): Promise<AccountInfo | null> {
    const id = ourId(accountId);
    const account = id && (await this.db(tx).findOneBy(Account, { id }));
    return account
      ? {
          id: accountId,
          name: account.name,
          defaultCountry: account.country,
          timezone: account.timezone,
          subscribedAt: account.createdAt,
        }
      : null;
  }

  async getTicketContext(
    accountId: string,
    ticketId: string,
    agentId: string | null,
    tx?: EntityManager,
  ): Promise<TicketSmsContext | null> {
    const [account, ticket] = [await this.getAccount(accountId, tx), await this.ticket(accountId, ticketId, tx)];
    if (!account || !ticket) return null;
    const customer = await this.db(tx).findOneByOrFail(Customer, { id: ticket.customerId });
    const agent = agentId ? await this.agent(accountId, agentId, tx) : null;
    return {
      account,
      ticket: {
        id: ticketId,
        number: ticket.number,
        subject: ticket.subject,
        problem: ticket.description,
        status: ticket.status,
        portalUrl: '',
      },
      customer: {
        id: String(customer.id),
        name: customer.name,
        smsEnabled: customer.smsOptIn,
        phones: customer.mobile ? [{ number: customer.mobile, type: 'mobile' }] : [],
      },
      technician: agent && { id: agentId!, name: agent.name },
    };
  }

  async getUser(accountId: string, userId: string, tx?: EntityManager): Promise<UserSummary | null> {
    return userSummary(await this.agent(accountId, userId, tx));
  }

  async findUserByEmail(accountId: string, email: string, tx?: EntityManager): Promise<UserSummary | null> {
    const id = ourId(accountId);
    const agent =
      id &&
      (await this.db(tx)
        .createQueryBuilder(Agent, 'a')
        .where('a.accountId = :id AND lower(a.email) = lower(:email)', { id, email: email.trim() })
        .getOne());
    return userSummary(agent || null);
  }

  // We have no teams: numbers are assigned to agents or to the whole account.
  async getTeam(): Promise<TeamSummary | null> {
    return null;
  }

  async findTeamByName(): Promise<TeamSummary | null> {
    return null;
  }

  async findCustomersByPhone(accountId: string, phone: string, tx?: EntityManager): Promise<CustomerSummary[]> {
    const id = ourId(accountId);
    const customers = id
      ? await this.db(tx).find(Customer, { where: { accountId: id, mobile: phone }, order: { id: 'ASC' } })
      : [];
    return customers.map((c) => ({ id: String(c.id), name: c.name }));
  }

  async createCustomerFromPhone(accountId: string, phone: string, tx?: EntityManager): Promise<CustomerSummary> {
    const customer = await this.db(tx).save(Customer, {
      accountId: Number(accountId),
      name: phone,
      mobile: phone,
      smsOptIn: true,
    });
    return { id: String(customer.id), name: customer.name };
  }

  async listOpenTickets(accountId: string, customerId: string, tx?: EntityManager): Promise<TicketSummary[]> {
    const [id, customer] = [ourId(accountId), ourId(customerId)];
    if (!id || !customer) return [];
    const open = await this.db(tx).find(Ticket, {
      where: { accountId: id, customerId: customer, status: Not('closed') },
      order: { updatedAt: 'DESC' },
    });
    return open.map(ticketSummary);
  }

  async findTicket(
    accountId: string,
    ref: { id: string } | { number: number },
    tx?: EntityManager,
  ): Promise<TicketSummary | null> {
    // A ticket number is as much one of our integers as an id is.
    const [id, number] = [ourId(accountId), 'number' in ref ? ourId(String(ref.number)) : null];
    const ticket =
      'id' in ref
        ? await this.ticket(accountId, ref.id, tx)
        : id && number && (await this.db(tx).findOneBy(Ticket, { accountId: id, number }));
    return ticket ? ticketSummary(ticket) : null;
  }

  async createTicketFromSms(
    accountId: string,
    input: { customerId: string; subject: string; problem: string },
    tx?: EntityManager,
  ): Promise<TicketSummary> {
    const ticket = await insertTicket(this.db(tx), Number(accountId), {
      customerId: Number(input.customerId),
      subject: input.subject,
      description: input.problem,
    });
    return ticketSummary(ticket);
  }

  async addCustomerComment(
    accountId: string,
    comment: CustomerComment,
    tx?: EntityManager,
  ): Promise<{ commentId: string }> {
    const db = this.db(tx);
    const ticket = await this.ticket(accountId, comment.ticketId, tx);
    if (!ticket) throw new Error(`Ticket ${comment.ticketId} is not in account ${accountId}`);
    await db.update(Ticket, ticket.id, {
      status: comment.markCustomerReply === false ? ticket.status : 'customer_replied',
    });
    const saved = await db.save(Comment, {
      ticketId: ticket.id,
      accountId: ticket.accountId,
      authorKind: 'customer',
      agentId: null,
      body: comment.body,
      isPublic: true,
    });
    const files = comment.attachments.map((a) => ({
      commentId: saved.id,
      fileName: a.fileName,
      storageKey: a.storageKey,
      thumbnailKey: a.thumbnailKey,
      contentType: a.contentType,
      size: a.size,
      isPublic: true,
    }));
    if (files.length > 0) await db.insert(Attachment, files);
    return { commentId: String(saved.id) };
  }

  async addTechnicianText(
    accountId: string,
    input: { ticketId: string; userId: string; text: string },
    tx?: EntityManager,
  ): Promise<{ commentId: string }> {
    return this.comment(
      accountId,
      input.ticketId,
      { authorKind: 'agent', agentId: Number(input.userId), body: input.text, isPublic: true },
      tx,
    );
  }

  async addPrivateNote(
    accountId: string,
    ticketId: string,
    body: string,
    tx?: EntityManager,
  ): Promise<{ commentId: string }> {
    return this.comment(accountId, ticketId, { authorKind: 'system', agentId: null, body, isPublic: false }, tx);
  }

  async moveComment(accountId: string, commentId: string, toTicketId: string, tx?: EntityManager): Promise<void> {
    const [id, comment, to] = [ourId(accountId), ourId(commentId), await this.ticket(accountId, toTicketId, tx)];
    if (!id || !comment || !to) return;
    await this.db(tx).update(Comment, { accountId: id, id: comment }, { ticketId: to.id });
    await this.db(tx).update(Ticket, to.id, { status: 'customer_replied' });
  }

  private db(tx?: EntityManager): EntityManager {
    return tx ?? this.dataSource.manager;
  }

  private async ticket(accountId: string, ticketId: string, tx?: EntityManager): Promise<Ticket | null> {
    const [account, id] = [ourId(accountId), ourId(ticketId)];
    return account && id ? this.db(tx).findOneBy(Ticket, { accountId: account, id }) : null;
  }

  private async agent(accountId: string, agentId: string, tx?: EntityManager): Promise<Agent | null> {
    const [account, id] = [ourId(accountId), ourId(agentId)];
    return account && id ? this.db(tx).findOneBy(Agent, { accountId: account, id }) : null;
  }

  private async comment(
    accountId: string,
    ticketId: string,
    comment: Pick<Comment, 'authorKind' | 'agentId' | 'body' | 'isPublic'>,
    tx?: EntityManager,
  ) {
    const ticket = await this.ticket(accountId, ticketId, tx);
    if (!ticket) throw new Error(`Ticket ${ticketId} is not in account ${accountId}`);
    const saved = await this.db(tx).save(Comment, { ...comment, ticketId: ticket.id, accountId: ticket.accountId });
    return { commentId: String(saved.id) };
  }
}

function userSummary(agent: Agent | null): UserSummary | null {
  return agent && { id: String(agent.id), name: agent.name, role: smsRole(agent.role), teamIds: [] };
}

function ticketSummary(t: Ticket): TicketSummary {
  return {
    id: String(t.id),
    number: t.number,
    customerId: String(t.customerId),
    subject: t.subject,
    status: t.status,
    open: t.status !== 'closed',
    updatedAt: t.updatedAt,
  };
}
