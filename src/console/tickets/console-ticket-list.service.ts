import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, Repository } from 'typeorm';
import { Customer } from '../../helpdesk/customers/customer.entity';
import { Ticket, TICKET_STATUSES, TicketStatus } from '../../helpdesk/tickets/ticket.entity';
import { User } from '../../helpdesk/users/user.entity';

export const TICKETS_PER_PAGE = 25;
/** Search text longer than this is cut: nobody types more, and it keeps the LIKE patterns small. */
export const MAX_SEARCH_LENGTH = 100;
/** Deeper pages are not offered: search or filter instead (an offset scan has a cost). */
export const MAX_TICKET_PAGE = 400;

export interface TicketFilter {
  /** Words of the subject or the customer's name, or a ticket number ("#42" or "42"). */
  q: string;
  statuses: TicketStatus[];
  /** '' anyone, 'none' nobody, else a user id. */
  assignee: string;
  page: number;
}

/** Reads the list's query string; anything unknown is ignored rather than refused, as a link may be old. */
export function ticketFilter(query: Record<string, unknown>, me: string): TicketFilter {
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);
  const statuses = list(query.status).filter((s): s is TicketStatus =>
    (TICKET_STATUSES as readonly string[]).includes(s),
  );
  const assigneeRaw = typeof query.assignee === 'string' ? query.assignee : '';
  const assignee = assigneeRaw === 'me' ? me : /^(none|[0-9a-f-]{36})$/i.test(assigneeRaw) ? assigneeRaw : '';
  const page = Math.min(MAX_TICKET_PAGE, Math.max(1, Math.trunc(Number(query.page)) || 1));
  const q = (typeof query.q === 'string' ? query.q : '').trim().slice(0, MAX_SEARCH_LENGTH);
  return { q, statuses, assignee, page };
}

function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The tickets list: search, status and assignee filters, and pages of 25, newest activity first. */
@Injectable()
export class ConsoleTicketListService {
  constructor(
    @InjectRepository(Ticket) private readonly tickets: Repository<Ticket>,
    @InjectRepository(Customer) private readonly customers: Repository<Customer>,
    @InjectRepository(User) private readonly users: Repository<User>,
  ) {}

  async search(accountId: string, filter: TicketFilter) {
    const query = this.tickets
      .createQueryBuilder('t')
      .leftJoin(Customer, 'c', 'c.id = t.customer_id AND c.account_id = t.account_id')
      .where('t.account_id = :accountId', { accountId });
    if (filter.q) {
      const number = /^#?(\d{1,9})$/.exec(filter.q);
      const pattern = likePattern(filter.q);
      query.andWhere(
        number
          ? '(t.number = :number OR t.subject ILIKE :pattern OR c.name ILIKE :pattern)'
          : '(t.subject ILIKE :pattern OR c.name ILIKE :pattern)',
        { number: number ? Number(number[1]) : undefined, pattern },
      );
    }
    if (filter.statuses.length) query.andWhere('t.status IN (:...statuses)', { statuses: filter.statuses });
    if (filter.assignee === 'none') query.andWhere('t.assignee_user_id IS NULL');
    else if (filter.assignee) query.andWhere('t.assignee_user_id = :assignee', { assignee: filter.assignee });
    const total = await query.clone().getCount();
    const rows = await query
      .orderBy('t.updated_at', 'DESC')
      .addOrderBy('t.number', 'DESC')
      .offset((filter.page - 1) * TICKETS_PER_PAGE)
      .limit(TICKETS_PER_PAGE)
      .getMany();
    const customers = rows.length
      ? await this.customers.find({ where: { accountId, id: In([...new Set(rows.map((t) => t.customerId))]) } })
      : [];
    return {
      total,
      tickets: rows.map((t) => ({ ...t, customer: customers.find((c) => c.id === t.customerId) ?? null })),
    };
  }

  /** The account's people by name; only active ones can be given a ticket. */
  people(accountId: string) {
    return this.users.find({ where: { accountId }, order: { name: 'ASC' } });
  }

  /** Gives the ticket to an active user of the account, or to nobody. */
  async assign(accountId: string, ticketId: string, userId: string | null): Promise<void> {
    // Sending the form again with the same (perhaps since deactivated) person changes nothing.
    if (userId && (await this.tickets.exists({ where: { accountId, id: ticketId, assigneeUserId: userId } }))) return;
    if (userId && !(await this.users.exists({ where: { accountId, id: userId, deactivatedAt: IsNull() } })))
      throw new NotFoundException('No such active user in this account');
    const { affected } = await this.tickets.update({ accountId, id: ticketId }, { assigneeUserId: userId });
    if (!affected) throw new NotFoundException('No such ticket in this account');
  }
}
