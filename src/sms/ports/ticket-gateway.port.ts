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
  /** null when there is no such account. */
  getAccount(accountId: string, tx?: EntityManager): Promise<AccountInfo | null>;
  /** null when the ticket is not in this account. */
  getTicketContext(
    accountId: string,
    ticketId: string,
    technicianId: string | null,
    tx?: EntityManager,
  ): Promise<TicketSmsContext | null>;

  // ─── people: number assignment, after-hours precedence, who may send while closed ───

  /** A user of the account with the teams they belong to (team name order); null when not in this account. */
  getUser(accountId: string, userId: string, tx?: EntityManager): Promise<UserSummary | null>;
  /** null when the team is not in this account. */
  getTeam(accountId: string, teamId: string, tx?: EntityManager): Promise<TeamSummary | null>;
  /** A user of the account by email (case-insensitive), as getUser; null when none (bulk number assignment). */
  findUserByEmail(accountId: string, email: string, tx?: EntityManager): Promise<UserSummary | null>;
  /** A team of the account by name (case-insensitive); null when none. */
  findTeamByName(accountId: string, name: string, tx?: EntityManager): Promise<TeamSummary | null>;

  // ─── inbound: what a customer's text needs to land on the right ticket ───

  // Each batch method answers a list of lookups, each in its own account, with one answer per lookup in the same
  // order: inbound texts land a batch at a time, and one statement for the batch costs about what one for a text does.

  /** Every customer of the account with this E.164 number among their phones, oldest first. */
  findCustomersByPhone(accountId: string, phone: string, tx?: EntityManager): Promise<CustomerSummary[]>;
  /** findCustomersByPhone for each lookup. */
  findCustomersByPhones(
    lookups: { accountId: string; phone: string }[],
    tx?: EntityManager,
  ): Promise<CustomerSummary[][]>;
  /** A new customer named after the formatted number, with that number as a mobile phone. */
  createCustomerFromPhone(accountId: string, phone: string, tx?: EntityManager): Promise<CustomerSummary>;
  /** The customer's tickets that are not resolved, most recently updated first. */
  listOpenTickets(accountId: string, customerId: string, tx?: EntityManager): Promise<TicketSummary[]>;
  /** listOpenTickets for each lookup. */
  listOpenTicketsOfCustomers(
    lookups: { accountId: string; customerId: string }[],
    tx?: EntityManager,
  ): Promise<TicketSummary[][]>;
  /** One ticket of the account by id or by its number; null when the account has none. */
  findTicket(
    accountId: string,
    ref: { id: string } | { number: number },
    tx?: EntityManager,
  ): Promise<TicketSummary | null>;
  /** findTicket for each lookup. */
  findTickets(
    lookups: { accountId: string; ref: { id: string } | { number: number } }[],
    tx?: EntityManager,
  ): Promise<(TicketSummary | null)[]>;
  createTicketFromSms(
    accountId: string,
    input: { customerId: string; subject: string; problem: string },
    tx?: EntityManager,
  ): Promise<TicketSummary>;
  /** A public comment from the customer with files already stored; sets the ticket's status to Customer Reply. */
  addCustomerComment(accountId: string, comment: CustomerComment, tx?: EntityManager): Promise<{ commentId: string }>;
  /** addCustomerComment for each item, all or none: a ticket outside its item's account fails the whole call. */
  addCustomerComments(
    comments: { accountId: string; comment: CustomerComment }[],
    tx?: EntityManager,
  ): Promise<{ commentId: string }[]>;
  /**
   * A technician's text to the customer, written in a conversation rather than as a ticket update: a public comment
   * from that technician on the ticket it is about, holding the text (as sent by SMS). The ticket's status is kept.
   */
  addTechnicianText(
    accountId: string,
    input: { ticketId: string; userId: string; text: string },
    tx?: EntityManager,
  ): Promise<{ commentId: string }>;
  /** A private note from the system (opt-out changes); customers never see it. */
  addPrivateNote(accountId: string, ticketId: string, body: string, tx?: EntityManager): Promise<{ commentId: string }>;
  /** Moves a comment and its attachments to another ticket (of the same customer, checked by the caller), which becomes Customer Reply. */
  moveComment(accountId: string, commentId: string, toTicketId: string, tx?: EntityManager): Promise<void>;
}

export interface UserSummary {
  id: string;
  name: string;
  role: 'admin' | 'technician';
  teamIds: string[];
}

export interface TeamSummary {
  id: string;
  name: string;
}

export interface CustomerSummary {
  id: string;
  name: string;
}

export interface TicketSummary {
  id: string;
  number: number;
  customerId: string;
  subject: string;
  status: string;
  /** Not resolved: a reply may land on it without a technician's say. */
  open: boolean;
  updatedAt: Date;
}

/** A file the SMS module already stored below STORAGE_DIR. */
export interface StoredAttachment {
  fileName: string;
  contentType: string;
  size: number;
  storageKey: string;
  thumbnailKey: string | null;
  thumbnailContentType: string | null;
}

export interface CustomerComment {
  ticketId: string;
  customerId: string;
  body: string;
  attachments: StoredAttachment[];
  /** false keeps the ticket's status: the text that opened this very ticket is not a reply. Default true. */
  markCustomerReply?: boolean;
}

export const TICKET_GATEWAY = Symbol('TICKET_GATEWAY');
