import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, Environment } from '../config/app-config';
import type { AccountInfo, TicketGateway, TicketSmsContext } from '../sms';
import { Account } from './accounts/account.entity';
import { Customer } from './customers/customer.entity';
import { Ticket } from './tickets/ticket.entity';
import { User } from './users/user.entity';

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

  async getTicketContext(accountId: string, ticketId: string, technicianId: string | null, tx?: EntityManager): Promise<TicketSmsContext | null> {
    const db = tx ?? this.dataSource.manager;
    const ticket = await db.getRepository(Ticket).findOne({ where: { accountId, id: ticketId } });
    if (!ticket) return null;
    // One after another: inside a transaction they share one connection.
    const account = await db.getRepository(Account).findOneByOrFail({ id: accountId });
    const customer = await db.getRepository(Customer).findOneOrFail({ where: { accountId, id: ticket.customerId }, relations: { phones: true } });
    const technician = technicianId ? await db.getRepository(User).findOne({ where: { accountId, id: technicianId } }) : null;
    return {
      account: { id: account.id, name: account.name, defaultCountry: account.defaultCountry, timezone: account.timezone },
      ticket: {
        id: ticket.id,
        number: ticket.number,
        subject: ticket.subject,
        problem: ticket.problem,
        status: ticket.status,
        portalUrl: `${this.env.PUBLIC_URL}/portal/tickets/${ticket.portalToken}`,
      },
      customer: { id: customer.id, name: customer.name, smsEnabled: customer.smsEnabled, phones: customer.phones.map((p) => ({ number: p.number, type: p.type })) },
      technician: technician ? { id: technician.id, name: technician.name } : null,
    };
  }
}
