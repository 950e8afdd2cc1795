import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { DataSource, EntityManager } from 'typeorm';
import { PreparedStatement, runPrepared } from '../common/prepared';
import { APP_CONFIG, Environment } from '../config/app-config';
import type { AccountInfo, CustomerComment, CustomerSummary, TicketGateway, TicketSmsContext, TicketSummary } from '../sms';
import type { TeamSummary, UserSummary } from '../sms';
import { Account } from './accounts/account.entity';
import { Customer } from './customers/customer.entity';
import { CustomerPhone } from './customers/customer-phone.entity';
import { Attachment } from './tickets/attachment.entity';
import { Comment } from './tickets/comment.entity';
import { Ticket } from './tickets/ticket.entity';
import { nextTicketNumber } from './tickets/tickets.service';
import { Team } from './teams/team.entity';
import { TeamMember } from './teams/team-member.entity';
import { User } from './users/user.entity';

interface TicketContextRow {
  id: string;
  number: number;
  subject: string;
  problem: string;
  status: string;
  portal_token: string;
  account_id: string;
  account_name: string;
  default_country: string;
  timezone: string;
  customer_id: string;
  customer_name: string;
  sms_enabled: boolean;
  phones: TicketSmsContext['customer']['phones'];
  technician_id: string | null;
  technician_name: string | null;
}

// The ticket with its account, customer (and phones) and the acting technician, all scoped to the account.
const TICKET_CONTEXT: PreparedStatement = {
  name: 'helpdesk-ticket-context',
  text: `
  SELECT t.id, t.number, t.subject, t.problem, t.status, t.portal_token,
         a.id AS account_id, a.name AS account_name, a.default_country, a.timezone,
         c.id AS customer_id, c.name AS customer_name, c.sms_enabled,
         COALESCE((SELECT json_agg(json_build_object('number', p.number, 'type', p.type))
                   FROM customer_phones p WHERE p.account_id = t.account_id AND p.customer_id = c.id), '[]'::json) AS phones,
         u.id AS technician_id, u.name AS technician_name
  FROM tickets t
  JOIN accounts a ON a.id = t.account_id
  JOIN customers c ON c.account_id = t.account_id AND c.id = t.customer_id
  LEFT JOIN users u ON u.account_id = t.account_id AND u.id = $3
  WHERE t.account_id = $1 AND t.id = $2`,
};

// A customer's public comment, and the ticket marked `Customer Reply` ($5) or only touched. The ticket is updated
// first (it must be in the account, or nothing is inserted), then its comment.
const ADD_CUSTOMER_COMMENT: PreparedStatement = {
  name: 'helpdesk-add-customer-comment',
  text: `
  WITH ticket AS (
    UPDATE tickets SET status = CASE WHEN $5::boolean THEN 'Customer Reply' ELSE status END, updated_at = now()
    WHERE account_id = $1 AND id = $2
    RETURNING id
  )
  INSERT INTO comments (account_id, ticket_id, author_type, author_customer_id, body, public)
  SELECT $1, ticket.id, 'customer', $3, $4, true FROM ticket
  RETURNING id`,
};

// What the SMS module asks of tickets and customers for every inbound text: prepared, the columns a summary needs.
const TICKET_COLUMNS = 'id, number, customer_id, subject, status, updated_at';
interface TicketRow {
  id: string;
  number: number;
  customer_id: string;
  subject: string;
  status: Ticket['status'];
  updated_at: Date;
}
const TICKET_BY_ID: PreparedStatement = { name: 'helpdesk-ticket-by-id', text: `SELECT ${TICKET_COLUMNS} FROM tickets WHERE account_id = $1 AND id = $2` };
const TICKET_BY_NUMBER: PreparedStatement = { name: 'helpdesk-ticket-by-number', text: `SELECT ${TICKET_COLUMNS} FROM tickets WHERE account_id = $1 AND number = $2` };
const OPEN_TICKETS: PreparedStatement = {
  name: 'helpdesk-open-tickets',
  text: `SELECT ${TICKET_COLUMNS} FROM tickets WHERE account_id = $1 AND customer_id = $2 AND status <> 'Resolved' ORDER BY updated_at DESC`,
};
const CUSTOMERS_BY_PHONE: PreparedStatement = {
  name: 'helpdesk-customers-by-phone',
  text: `SELECT c.id, c.name FROM customers c
         WHERE c.account_id = $1 AND EXISTS (SELECT 1 FROM customer_phones p WHERE p.account_id = $1 AND p.number = $2 AND p.customer_id = c.id)
         ORDER BY c.created_at ASC`,
};

/** The reference helpdesk's side of the SMS module's port. */
@Injectable()
export class HelpdeskTicketGateway implements TicketGateway {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly env: Environment,
  ) {}

  async getAccount(accountId: string, tx?: EntityManager): Promise<AccountInfo | null> {
    const account = await (tx ?? this.dataSource.manager).getRepository(Account).findOne({ where: { id: accountId } });
    return account
      ? { id: account.id, name: account.name, defaultCountry: account.defaultCountry, timezone: account.timezone, subscribedAt: account.subscribedAt }
      : null;
  }

  async getUser(accountId: string, userId: string, tx?: EntityManager): Promise<UserSummary | null> {
    const db = tx ?? this.dataSource.manager;
    const user = await db.getRepository(User).findOne({ where: { accountId, id: userId } });
    if (!user) return null;
    const teams = await db
      .getRepository(Team)
      .createQueryBuilder('team')
      .innerJoin(TeamMember, 'member', 'member.team_id = team.id AND member.user_id = :userId', { userId })
      .where('team.account_id = :accountId', { accountId })
      .orderBy('team.name', 'ASC')
      .getMany();
    return { id: user.id, name: user.name, role: user.role, teamIds: teams.map((t) => t.id) };
  }

  async getTeam(accountId: string, teamId: string, tx?: EntityManager): Promise<TeamSummary | null> {
    const team = await (tx ?? this.dataSource.manager).getRepository(Team).findOne({ where: { accountId, id: teamId } });
    return team ? { id: team.id, name: team.name } : null;
  }

  async findUserByEmail(accountId: string, email: string, tx?: EntityManager): Promise<UserSummary | null> {
    // Emails are stored lower-cased (UsersService).
    const user = await (tx ?? this.dataSource.manager).getRepository(User).findOne({ where: { accountId, email: email.trim().toLowerCase() }, select: { id: true } });
    return user ? this.getUser(accountId, user.id, tx) : null;
  }

  async findTeamByName(accountId: string, name: string, tx?: EntityManager): Promise<TeamSummary | null> {
    const team = await (tx ?? this.dataSource.manager)
      .getRepository(Team)
      .createQueryBuilder('team')
      .where('team.account_id = :accountId AND lower(team.name) = lower(:name)', { accountId, name: name.trim() })
      .orderBy('team.name', 'ASC')
      .getOne();
    return team ? { id: team.id, name: team.name } : null;
  }

  async getTicketContext(accountId: string, ticketId: string, technicianId: string | null, tx?: EntityManager): Promise<TicketSmsContext | null> {
    // One prepared statement instead of five: every ticket text and after-hours reply reads this on its way out.
    const [row] = await runPrepared<TicketContextRow>(tx ?? this.dataSource.manager, TICKET_CONTEXT, [accountId, ticketId, technicianId]);
    if (!row) return null;
    return {
      account: { id: row.account_id, name: row.account_name, defaultCountry: row.default_country, timezone: row.timezone },
      ticket: {
        id: row.id,
        number: row.number,
        subject: row.subject,
        problem: row.problem,
        status: row.status,
        portalUrl: `${this.env.PUBLIC_URL}/portal/tickets/${row.portal_token}`,
      },
      customer: { id: row.customer_id, name: row.customer_name, smsEnabled: row.sms_enabled, phones: row.phones },
      technician: row.technician_id ? { id: row.technician_id, name: row.technician_name! } : null,
    };
  }

  // ─── inbound SMS ───

  async findCustomersByPhone(accountId: string, phone: string, tx?: EntityManager): Promise<CustomerSummary[]> {
    return runPrepared<CustomerSummary>(tx ?? this.dataSource.manager, CUSTOMERS_BY_PHONE, [accountId, phone]);
  }

  async createCustomerFromPhone(accountId: string, phone: string, tx?: EntityManager): Promise<CustomerSummary> {
    const db = tx ?? this.dataSource.manager;
    const account = await db.getRepository(Account).findOneByOrFail({ id: accountId });
    const parsed = parsePhoneNumberFromString(phone);
    // Local numbers read the way the account's staff write them; foreign ones keep their country code.
    const name = !parsed ? phone : parsed.country === account.defaultCountry ? parsed.formatNational() : parsed.formatInternational();
    const customer = await db.getRepository(Customer).save(db.getRepository(Customer).create({ accountId, name, email: null, smsEnabled: true }));
    await db.getRepository(CustomerPhone).insert({ accountId, customerId: customer.id, number: phone, type: 'mobile' });
    return { id: customer.id, name: customer.name };
  }

  async listOpenTickets(accountId: string, customerId: string, tx?: EntityManager): Promise<TicketSummary[]> {
    const rows = await runPrepared<TicketRow>(tx ?? this.dataSource.manager, OPEN_TICKETS, [accountId, customerId]);
    return rows.map(ticketSummaryOf);
  }

  async findTicket(accountId: string, ref: { id: string } | { number: number }, tx?: EntityManager): Promise<TicketSummary | null> {
    const db = tx ?? this.dataSource.manager;
    const [row] = 'id' in ref ? await runPrepared<TicketRow>(db, TICKET_BY_ID, [accountId, ref.id]) : await runPrepared<TicketRow>(db, TICKET_BY_NUMBER, [accountId, ref.number]);
    return row ? ticketSummaryOf(row) : null;
  }

  async createTicketFromSms(accountId: string, input: { customerId: string; subject: string; problem: string }, tx?: EntityManager): Promise<TicketSummary> {
    const db = tx ?? this.dataSource.manager;
    const repo = db.getRepository(Ticket);
    const ticket = await repo.save(
      repo.create({
        accountId,
        number: await nextTicketNumber(db, accountId),
        customerId: input.customerId,
        subject: input.subject,
        problem: input.problem,
        status: 'New',
        portalToken: randomBytes(24).toString('base64url'),
        createdByUserId: null,
      }),
    );
    return ticketSummary(ticket);
  }

  async addCustomerComment(accountId: string, input: CustomerComment, tx?: EntityManager): Promise<{ commentId: string }> {
    const db = tx ?? this.dataSource.manager;
    // The comment and the ticket's new status (or, for the text that opened the ticket, its new updated_at) in one
    // statement: this runs for every customer's text.
    const [row] = await runPrepared<{ id: string }>(db, ADD_CUSTOMER_COMMENT, [accountId, input.ticketId, input.customerId, input.body, input.markCustomerReply !== false]);
    if (!row) throw new Error(`Ticket ${input.ticketId} is not in account ${accountId}`);
    if (input.attachments.length > 0) {
      await db.getRepository(Attachment).insert(input.attachments.map((a) => ({ ...a, accountId, ticketId: input.ticketId, commentId: row.id, public: true })));
    }
    return { commentId: row.id };
  }

  async addPrivateNote(accountId: string, ticketId: string, body: string, tx?: EntityManager): Promise<{ commentId: string }> {
    const repo = (tx ?? this.dataSource.manager).getRepository(Comment);
    const comment = await repo.save(repo.create({ accountId, ticketId, authorType: 'system', authorUserId: null, authorCustomerId: null, body, smsBody: null, public: false }));
    return { commentId: comment.id };
  }

  async moveComment(accountId: string, commentId: string, toTicketId: string, tx?: EntityManager): Promise<void> {
    const db = tx ?? this.dataSource.manager;
    await db.getRepository(Comment).update({ accountId, id: commentId }, { ticketId: toTicketId });
    await db.getRepository(Attachment).update({ accountId, commentId }, { ticketId: toTicketId });
    await db.getRepository(Ticket).update({ accountId, id: toTicketId }, { status: 'Customer Reply' });
  }
}

function ticketSummaryOf(t: TicketRow): TicketSummary {
  return { id: t.id, number: t.number, customerId: t.customer_id, subject: t.subject, status: t.status, open: t.status !== 'Resolved', updatedAt: t.updated_at };
}

function ticketSummary(t: Ticket): TicketSummary {
  return { id: t.id, number: t.number, customerId: t.customerId, subject: t.subject, status: t.status, open: t.status !== 'Resolved', updatedAt: t.updatedAt };
}
