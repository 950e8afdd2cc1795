import { EntityManager } from 'typeorm';
import { Ticket } from './ticket.entity';

/** A ticket with its account's next number; the account row stays locked until `db`'s transaction ends. */
export async function insertTicket(
  db: EntityManager,
  accountId: number,
  input: Pick<Ticket, 'customerId' | 'subject' | 'description'>,
): Promise<Ticket> {
  const [[{ lastTicketNumber }]] = await db.query(
    `UPDATE accounts SET "lastTicketNumber" = "lastTicketNumber" + 1 WHERE id = $1 RETURNING "lastTicketNumber"`,
    [accountId],
  );
  return db.save(Ticket, { ...input, accountId, number: lastTicketNumber, status: 'open' });
}
