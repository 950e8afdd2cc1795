import type { EntityManager } from 'typeorm';

export type PhoneType = 'mobile' | 'landline' | 'work' | 'home' | 'fax';

export interface AccountInfo {
  id: string;
  name: string;
  defaultCountry: string;
  /** IANA zone: credit periods (calendar months) are counted in it. */
  timezone: string;
  subscribedAt: Date;
}

/** What SMS templates and send rules need to know about a ticket, read from the host. */
export interface TicketSmsContext {
  account: { id: string; name: string; defaultCountry: string; timezone: string };
  ticket: { id: string; number: number; subject: string; problem: string; status: string; portalUrl: string };
  customer: { id: string; name: string; smsEnabled: boolean; phones: { number: string; type: PhoneType }[] };
  technician: { id: string; name: string } | null;
}

/**
 * The one port a host implements. `tx`, when given, is the host's open transaction: the SMS rows of a
 * ticket event are written in it, so they commit or roll back with the ticket.
 */
export interface TicketGateway {
  /** null when the ticket is not in this account. */
  /** null when there is no such account. */
  getAccount(accountId: string, tx?: EntityManager): Promise<AccountInfo | null>;
  getTicketContext(accountId: string, ticketId: string, technicianId: string | null, tx?: EntityManager): Promise<TicketSmsContext | null>;
}

export const TICKET_GATEWAY = Symbol('TICKET_GATEWAY');
