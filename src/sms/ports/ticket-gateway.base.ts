import type { EntityManager } from 'typeorm';
import type {
  AccountInfo,
  CustomerComment,
  CustomerSummary,
  TeamSummary,
  TicketGateway,
  TicketSmsContext,
  TicketSummary,
  UserSummary,
} from './ticket-gateway.port';

/**
 * TicketGateway with the batch methods written once from the single ones, one lookup after another in the same
 * transaction. A host extends it and writes the dozen single methods; it overrides a batch method only where one
 * statement for the whole batch is worth it (inbound texts land a batch at a time).
 */
export abstract class TicketGatewayBase implements TicketGateway {
  abstract getAccount(accountId: string, tx?: EntityManager): Promise<AccountInfo | null>;
  abstract getTicketContext(
    accountId: string,
    ticketId: string,
    technicianId: string | null,
    tx?: EntityManager,
  ): Promise<TicketSmsContext | null>;
  abstract getUser(accountId: string, userId: string, tx?: EntityManager): Promise<UserSummary | null>;
  abstract findUserByEmail(accountId: string, email: string, tx?: EntityManager): Promise<UserSummary | null>;
  abstract findCustomersByPhone(accountId: string, phone: string, tx?: EntityManager): Promise<CustomerSummary[]>;
  abstract createCustomerFromPhone(accountId: string, phone: string, tx?: EntityManager): Promise<CustomerSummary>;
  abstract listOpenTickets(accountId: string, customerId: string, tx?: EntityManager): Promise<TicketSummary[]>;
  abstract findTicket(
    accountId: string,
    ref: { id: string } | { number: number },
    tx?: EntityManager,
  ): Promise<TicketSummary | null>;
  abstract createTicketFromSms(
    accountId: string,
    input: { customerId: string; subject: string; problem: string },
    tx?: EntityManager,
  ): Promise<TicketSummary>;
  abstract addCustomerComment(
    accountId: string,
    comment: CustomerComment,
    tx?: EntityManager,
  ): Promise<{ commentId: string }>;
  abstract addTechnicianText(
    accountId: string,
    input: { ticketId: string; userId: string; text: string },
    tx?: EntityManager,
  ): Promise<{ commentId: string }>;
  abstract addPrivateNote(
    accountId: string,
    ticketId: string,
    body: string,
    tx?: EntityManager,
  ): Promise<{ commentId: string }>;
  abstract moveComment(accountId: string, commentId: string, toTicketId: string, tx?: EntityManager): Promise<void>;

  /** A helpdesk without teams finds none; override both team lookups if yours has them. */
  getTeam(_accountId: string, _teamId: string, _tx?: EntityManager): Promise<TeamSummary | null> {
    return Promise.resolve(null);
  }

  findTeamByName(_accountId: string, _name: string, _tx?: EntityManager): Promise<TeamSummary | null> {
    return Promise.resolve(null);
  }

  findCustomersByPhones(
    lookups: { accountId: string; phone: string }[],
    tx?: EntityManager,
  ): Promise<CustomerSummary[][]> {
    return inTurn(lookups, (lookup) => this.findCustomersByPhone(lookup.accountId, lookup.phone, tx));
  }

  listOpenTicketsOfCustomers(
    lookups: { accountId: string; customerId: string }[],
    tx?: EntityManager,
  ): Promise<TicketSummary[][]> {
    return inTurn(lookups, (lookup) => this.listOpenTickets(lookup.accountId, lookup.customerId, tx));
  }

  findTickets(
    lookups: { accountId: string; ref: { id: string } | { number: number } }[],
    tx?: EntityManager,
  ): Promise<(TicketSummary | null)[]> {
    return inTurn(lookups, (lookup) => this.findTicket(lookup.accountId, lookup.ref, tx));
  }

  /** All or none: the module passes its transaction, which a failing item aborts. */
  addCustomerComments(
    comments: { accountId: string; comment: CustomerComment }[],
    tx?: EntityManager,
  ): Promise<{ commentId: string }[]> {
    return inTurn(comments, (item) => this.addCustomerComment(item.accountId, item.comment, tx));
  }
}

/** One after another: a transaction's connection runs one statement at a time anyway. */
async function inTurn<I, O>(items: I[], run: (item: I) => Promise<O>): Promise<O[]> {
  const answers: O[] = [];
  for (const item of items) answers.push(await run(item));
  return answers;
}
