import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { DataSource, EntityManager } from 'typeorm';
import { PreparedStatement, runPrepared } from '../sms';
import { APP_CONFIG, Environment } from '../config/app-config';
import type {
  AccountInfo,
  CustomerComment,
  CustomerSummary,
  TicketGateway,
  TicketSmsContext,
  TicketSummary,
} from '../sms';
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
import { newPortalToken } from './portal/portal.service';

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

// Customers' public comments, and their tickets marked `Customer Reply` (or, for the text that opened a ticket, only
// touched). A ticket outside the comment's account is not updated, so its comment is not inserted. The comment ids
// come from the caller: the answer is in the input's order whatever order the rows are written in.
const ADD_CUSTOMER_COMMENTS: PreparedStatement = {
  name: 'helpdesk-add-customer-comments',
  text: `
  WITH input AS (
    SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::boolean[]) AS i(id, account_id, ticket_id, customer_id, body, mark)
  ), ticket AS (
    UPDATE tickets t SET status = CASE WHEN x.mark THEN 'Customer Reply' ELSE t.status END, updated_at = now()
    FROM (SELECT account_id, ticket_id, bool_or(mark) AS mark FROM input GROUP BY account_id, ticket_id) x
    WHERE t.account_id = x.account_id AND t.id = x.ticket_id
    RETURNING t.id, t.account_id
  )
  INSERT INTO comments (id, account_id, ticket_id, author_type, author_customer_id, body, public)
  SELECT i.id, i.account_id, i.ticket_id, 'customer', i.customer_id, i.body, true FROM input i JOIN ticket ON ticket.id = i.ticket_id AND ticket.account_id = i.account_id
  RETURNING id`,
};

// What the SMS module asks of tickets and customers for inbound texts, a batch of lookups at a time (one per text of
// the batch, each scoped to its own account); every row carries the ordinal of the lookup it answers.
const TICKET_COLUMNS = 't.id, t.number, t.customer_id, t.subject, t.status, t.updated_at';
interface TicketRow {
  ord: string;
  id: string;
  number: number;
  customer_id: string;
  subject: string;
  status: Ticket['status'];
  updated_at: Date;
}
const TICKETS_BY_REF: PreparedStatement = {
  name: 'helpdesk-tickets-by-ref',
  text: `
  WITH l AS (SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::integer[]) WITH ORDINALITY AS l(account_id, id, number, ord))
  SELECT l.ord, ${TICKET_COLUMNS} FROM l JOIN tickets t ON t.account_id = l.account_id AND t.id = l.id
  UNION ALL
  SELECT l.ord, ${TICKET_COLUMNS} FROM l JOIN tickets t ON t.account_id = l.account_id AND t.number = l.number`,
};
const OPEN_TICKETS: PreparedStatement = {
  name: 'helpdesk-open-tickets',
  text: `
  SELECT l.ord, ${TICKET_COLUMNS}
  FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS l(account_id, customer_id, ord)
  JOIN tickets t ON t.account_id = l.account_id AND t.customer_id = l.customer_id AND t.status <> 'Resolved'
  ORDER BY l.ord, t.updated_at DESC`,
};
const CUSTOMERS_BY_PHONE: PreparedStatement = {
  name: 'helpdesk-customers-by-phone',
  text: `
  SELECT l.ord, c.id, c.name
  FROM unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS l(account_id, phone, ord)
  -- From the phone to its customers through the (account, number) index: a few rows, however many customers the
  -- account has. (A subquery correlated with l made PostgreSQL walk every customer of the account instead.)
  CROSS JOIN LATERAL (SELECT DISTINCT p.customer_id FROM customer_phones p WHERE p.account_id = l.account_id AND p.number = l.phone) p
  JOIN customers c ON c.id = p.customer_id AND c.account_id = l.account_id
  ORDER BY l.ord, c.created_at ASC`,
};

/** Rows carrying the ordinal (1-based, as WITH ORDINALITY counts) of their lookup, grouped back into one list per lookup. */
function byLookup<R extends { ord: string }, T>(count: number, rows: R[], map: (row: R) => T): T[][] {
  const lists = Array.from({ length: count }, () => [] as T[]);
  for (const row of rows) lists[Number(row.ord) - 1].push(map(row));
  return lists;
}

/** The reference helpdesk's side of the SMS module's port. */
@Injectable()
export class HelpdeskTicketGateway implements TicketGateway {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly env: Environment,
  ) {}

  async getAccount(accountId: string, tx?: EntityManager): Promise<AccountInfo | null> {
    if (!isUuid(accountId)) return null;
    const account = await (tx ?? this.dataSource.manager).getRepository(Account).findOne({ where: { id: accountId } });
    return account
      ? {
          id: account.id,
          name: account.name,
          defaultCountry: account.defaultCountry,
          timezone: account.timezone,
          subscribedAt: account.subscribedAt,
        }
      : null;
  }

  async getUser(accountId: string, userId: string, tx?: EntityManager): Promise<UserSummary | null> {
    if (!isUuid(userId)) return null;
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
    if (!isUuid(teamId)) return null;
    const team = await (tx ?? this.dataSource.manager)
      .getRepository(Team)
      .findOne({ where: { accountId, id: teamId } });
    return team ? { id: team.id, name: team.name } : null;
  }

  async findUserByEmail(accountId: string, email: string, tx?: EntityManager): Promise<UserSummary | null> {
    // Emails are stored lower-cased (UsersService).
    const user = await (tx ?? this.dataSource.manager)
      .getRepository(User)
      .findOne({ where: { accountId, email: email.trim().toLowerCase() }, select: { id: true } });
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

  async getTicketContext(
    accountId: string,
    ticketId: string,
    technicianId: string | null,
    tx?: EntityManager,
  ): Promise<TicketSmsContext | null> {
    if (!isUuid(ticketId)) return null;
    // Prepared: every ticket text and after-hours reply reads this on its way out.
    const [row] = await runPrepared<TicketContextRow>(tx ?? this.dataSource.manager, TICKET_CONTEXT, [
      accountId,
      ticketId,
      technicianId,
    ]);
    if (!row) return null;
    return {
      account: {
        id: row.account_id,
        name: row.account_name,
        defaultCountry: row.default_country,
        timezone: row.timezone,
      },
      ticket: {
        id: row.id,
        number: row.number,
        subject: row.subject,
        problem: row.problem,
        status: row.status,
        // The short form: the link is most of an SMS's length (GET /p/:token leads to the portal page).
        portalUrl: `${this.env.PUBLIC_URL}/p/${row.portal_token}`,
      },
      customer: { id: row.customer_id, name: row.customer_name, smsEnabled: row.sms_enabled, phones: row.phones },
      technician: row.technician_id ? { id: row.technician_id, name: row.technician_name! } : null,
    };
  }

  // ─── inbound SMS ───

  async findCustomersByPhone(accountId: string, phone: string, tx?: EntityManager): Promise<CustomerSummary[]> {
    return (await this.findCustomersByPhones([{ accountId, phone }], tx))[0];
  }

  async findCustomersByPhones(
    lookups: { accountId: string; phone: string }[],
    tx?: EntityManager,
  ): Promise<CustomerSummary[][]> {
    if (lookups.length === 0) return [];
    const rows = await runPrepared<{ ord: string; id: string; name: string }>(
      tx ?? this.dataSource.manager,
      CUSTOMERS_BY_PHONE,
      [lookups.map((l) => l.accountId), lookups.map((l) => l.phone)],
    );
    return byLookup(lookups.length, rows, (r) => ({ id: r.id, name: r.name }));
  }

  async createCustomerFromPhone(accountId: string, phone: string, tx?: EntityManager): Promise<CustomerSummary> {
    const db = tx ?? this.dataSource.manager;
    const account = await db.getRepository(Account).findOneByOrFail({ id: accountId });
    const parsed = parsePhoneNumberFromString(phone);
    // Local numbers read the way the account's staff write them; foreign ones keep their country code.
    const name = !parsed
      ? phone
      : parsed.country === account.defaultCountry
        ? parsed.formatNational()
        : parsed.formatInternational();
    const customer = await db
      .getRepository(Customer)
      .save(db.getRepository(Customer).create({ accountId, name, email: null, smsEnabled: true }));
    await db.getRepository(CustomerPhone).insert({ accountId, customerId: customer.id, number: phone, type: 'mobile' });
    return { id: customer.id, name: customer.name };
  }

  async listOpenTickets(accountId: string, customerId: string, tx?: EntityManager): Promise<TicketSummary[]> {
    return (await this.listOpenTicketsOfCustomers([{ accountId, customerId }], tx))[0];
  }

  async listOpenTicketsOfCustomers(
    lookups: { accountId: string; customerId: string }[],
    tx?: EntityManager,
  ): Promise<TicketSummary[][]> {
    if (lookups.length === 0) return [];
    const rows = await runPrepared<TicketRow>(tx ?? this.dataSource.manager, OPEN_TICKETS, [
      lookups.map((l) => l.accountId),
      lookups.map((l) => l.customerId),
    ]);
    return byLookup(lookups.length, rows, ticketSummaryOf);
  }

  async findTicket(
    accountId: string,
    ref: { id: string } | { number: number },
    tx?: EntityManager,
  ): Promise<TicketSummary | null> {
    return (await this.findTickets([{ accountId, ref }], tx))[0];
  }

  async findTickets(
    lookups: { accountId: string; ref: { id: string } | { number: number } }[],
    tx?: EntityManager,
  ): Promise<(TicketSummary | null)[]> {
    if (lookups.length === 0) return [];
    const rows = await runPrepared<TicketRow>(tx ?? this.dataSource.manager, TICKETS_BY_REF, [
      lookups.map((l) => l.accountId),
      // The module's ids are opaque strings; one that is not a UUID cannot be a ticket of this helpdesk.
      lookups.map((l) => ('id' in l.ref && isUuid(l.ref.id) ? l.ref.id : null)),
      // A number past PostgreSQL's integer cannot be a ticket's: it finds nothing rather than failing the lookup.
      lookups.map((l) => ('number' in l.ref && l.ref.number <= MAX_TICKET_NUMBER ? l.ref.number : null)),
    ]);
    return byLookup(lookups.length, rows, ticketSummaryOf).map((found) => found[0] ?? null);
  }

  async createTicketFromSms(
    accountId: string,
    input: { customerId: string; subject: string; problem: string },
    tx?: EntityManager,
  ): Promise<TicketSummary> {
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
        portalToken: newPortalToken(),
        createdByUserId: null,
      }),
    );
    return ticketSummary(ticket);
  }

  async addCustomerComment(
    accountId: string,
    input: CustomerComment,
    tx?: EntityManager,
  ): Promise<{ commentId: string }> {
    return (await this.addCustomerComments([{ accountId, comment: input }], tx))[0];
  }

  async addCustomerComments(
    comments: { accountId: string; comment: CustomerComment }[],
    tx?: EntityManager,
  ): Promise<{ commentId: string }[]> {
    if (comments.length === 0) return [];
    const db = tx ?? this.dataSource.manager;
    const ids = comments.map(() => randomUUID());
    // The comments and their tickets' new status (or, for the text that opened the ticket, its new updated_at) in one
    // statement: this runs for every customer's text.
    const rows = await runPrepared<{ id: string }>(db, ADD_CUSTOMER_COMMENTS, [
      ids,
      comments.map((c) => c.accountId),
      comments.map((c) => c.comment.ticketId),
      comments.map((c) => c.comment.customerId),
      comments.map((c) => c.comment.body),
      comments.map((c) => c.comment.markCustomerReply !== false),
    ]);
    if (rows.length !== comments.length) {
      const written = new Set(rows.map((r) => r.id));
      const missing = comments.find((_, i) => !written.has(ids[i]))!;
      throw new Error(`Ticket ${missing.comment.ticketId} is not in account ${missing.accountId}`);
    }
    const attachments = comments.flatMap(({ accountId, comment }, i) =>
      comment.attachments.map((a) => ({
        ...a,
        accountId,
        ticketId: comment.ticketId,
        commentId: ids[i],
        public: true,
      })),
    );
    if (attachments.length > 0) await db.getRepository(Attachment).insert(attachments);
    return ids.map((commentId) => ({ commentId }));
  }

  async addTechnicianText(
    accountId: string,
    input: { ticketId: string; userId: string; text: string },
    tx?: EntityManager,
  ): Promise<{ commentId: string }> {
    const repo = (tx ?? this.dataSource.manager).getRepository(Comment);
    // As a ticket update with an SMS text writes it; the ticket itself is not touched, so no lock is taken on it here.
    const comment = await repo.save(
      repo.create({
        accountId,
        ticketId: input.ticketId,
        authorType: 'user',
        authorUserId: input.userId,
        authorCustomerId: null,
        body: input.text,
        smsBody: input.text,
        public: true,
      }),
    );
    return { commentId: comment.id };
  }

  async addPrivateNote(
    accountId: string,
    ticketId: string,
    body: string,
    tx?: EntityManager,
  ): Promise<{ commentId: string }> {
    const repo = (tx ?? this.dataSource.manager).getRepository(Comment);
    const comment = await repo.save(
      repo.create({
        accountId,
        ticketId,
        authorType: 'system',
        authorUserId: null,
        authorCustomerId: null,
        body,
        smsBody: null,
        public: false,
      }),
    );
    return { commentId: comment.id };
  }

  async moveComment(accountId: string, commentId: string, toTicketId: string, tx?: EntityManager): Promise<void> {
    const db = tx ?? this.dataSource.manager;
    await db.getRepository(Comment).update({ accountId, id: commentId }, { ticketId: toTicketId });
    await db.getRepository(Attachment).update({ accountId, commentId }, { ticketId: toTicketId });
    await db.getRepository(Ticket).update({ accountId, id: toTicketId }, { status: 'Customer Reply' });
  }
}

/** This helpdesk's ids are UUIDs; the module's host ids are any string, and a lookup of another shape finds nothing. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isUuid = (id: string) => UUID.test(id);

/** PostgreSQL's integer, the type of a ticket's number. */
const MAX_TICKET_NUMBER = 2 ** 31 - 1;

function ticketSummaryOf(t: Omit<TicketRow, 'ord'>): TicketSummary {
  return {
    id: t.id,
    number: t.number,
    customerId: t.customer_id,
    subject: t.subject,
    status: t.status,
    open: t.status !== 'Resolved',
    updatedAt: t.updated_at,
  };
}

function ticketSummary(t: Ticket): TicketSummary {
  return {
    id: t.id,
    number: t.number,
    customerId: t.customerId,
    subject: t.subject,
    status: t.status,
    open: t.status !== 'Resolved',
    updatedAt: t.updatedAt,
  };
}
