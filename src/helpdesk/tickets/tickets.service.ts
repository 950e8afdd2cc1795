import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { columnList, hydrate, PreparedStatement, runPrepared, TicketTexts } from '../../sms';
import { newPortalToken } from '../portal/portal.service';
import { Attachment } from './attachment.entity';
import { Comment } from './comment.entity';
import { Ticket } from './ticket.entity';
import { CreateTicketDto, TicketUpdateDto } from './tickets.dto';

const CUSTOMER_OF_ACCOUNT: PreparedStatement = {
  name: 'helpdesk-ticket-create-customer',
  text: 'SELECT id FROM customers WHERE account_id = $1 AND id = $2',
};
const NEXT_TICKET_NUMBER: PreparedStatement = {
  name: 'helpdesk-next-ticket-number',
  text: 'UPDATE accounts SET next_ticket_number = next_ticket_number + 1 WHERE id = $1 RETURNING next_ticket_number - 1 AS number',
};
// The UPDATE takes the ticket's row lock itself; a status of null leaves the status as it is.
const TOUCH_TICKET: PreparedStatement = {
  name: 'helpdesk-ticket-update-touch',
  text: 'UPDATE tickets SET status = COALESCE($3, status), updated_at = now() WHERE account_id = $1 AND id = $2 RETURNING id',
};

@Injectable()
export class TicketsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly texts: TicketTexts,
  ) {
    this.insertTicket = {
      name: 'helpdesk-ticket-create',
      text: `INSERT INTO tickets (account_id, number, customer_id, subject, problem, status, portal_token, created_by_user_id)
             VALUES ($1, $2, $3, $4, $5, 'New', $6, $7) RETURNING ${columnList(dataSource.manager, Ticket)}`,
    };
    this.insertComment = {
      name: 'helpdesk-ticket-update-comment',
      text: `INSERT INTO comments (account_id, ticket_id, author_type, author_user_id, body, sms_body, public) VALUES ($1, $2, 'user', $3, $4, $5, $6)
             RETURNING ${columnList(dataSource.manager, Comment)}`,
    };
  }

  /** Prepared, with the constants above: every new ticket and every technician's update runs them. */
  private readonly insertTicket: PreparedStatement;
  private readonly insertComment: PreparedStatement;

  /** Creates the ticket and, in the same transaction, its initial-problem SMS; the send is enqueued after commit. */
  async create(accountId: string, userId: string, input: CreateTicketDto): Promise<Ticket> {
    const { result } = await this.texts.created({ accountId, userId }, async (tx) => {
      const [customer] = await runPrepared<{ id: string }>(tx, CUSTOMER_OF_ACCOUNT, [accountId, input.customerId]);
      if (!customer) throw new NotFoundException('No such customer in this account');
      const number = await nextTicketNumber(tx, accountId);
      const [row] = await runPrepared(tx, this.insertTicket, [
        accountId,
        number,
        customer.id,
        input.subject,
        input.problem,
        newPortalToken(),
        userId,
      ]);
      const ticket = hydrate(tx, Ticket, row);
      return { result: ticket, ticketId: ticket.id };
    });
    return result;
  }

  /** A technician's update: a comment, maybe a status change, and the SMS text when there is one. */
  async update(accountId: string, userId: string, ticketId: string, input: TicketUpdateDto) {
    const emailBody = input.emailBody?.trim() ?? '';
    const smsBody = input.smsBody?.trim() ?? '';
    if (!emailBody && !smsBody && !input.status)
      throw new BadRequestException('An update needs emailBody, smsBody or status');
    // The module takes the customer's texts lock before this touches the ticket, and runs the whole write again on a conflict.
    const { result: comment, messageIds } = await this.texts.updated(
      {
        accountId,
        userId,
        ticketId,
        sendNow: input.sendNow,
        fromNumberId: input.fromNumberId,
        takeOver: input.takeOver,
      },
      async (tx) => {
        const touched = await runPrepared(tx, TOUCH_TICKET, [accountId, ticketId, input.status ?? null]);
        if (touched.length !== 1) throw new NotFoundException('No such ticket in this account');
        const addComment = async (body: string, sms: string | null, isPublic: boolean) =>
          hydrate(
            tx,
            Comment,
            (await runPrepared(tx, this.insertComment, [accountId, ticketId, userId, body, sms, isPublic]))[0],
          );
        const isPublic = input.public ?? true;
        const privateWithText = !isPublic && smsBody !== '';
        // A private note stays private even when a text goes with it: what was texted (never the note) is its own public entry.
        const note =
          privateWithText && !emailBody
            ? null
            : await addComment(
                emailBody || smsBody || `Status changed to ${input.status}`,
                privateWithText ? null : smsBody || null,
                isPublic,
              );
        const texted = privateWithText ? await addComment(smsBody, smsBody, true) : note!;
        return { result: note ?? texted, commentId: texted.id, smsBody };
      },
    );
    return { comment, messageIds };
  }

  async get(accountId: string, ticketId: string) {
    const ticket = await this.dataSource.getRepository(Ticket).findOne({ where: { accountId, id: ticketId } });
    if (!ticket) throw new NotFoundException('No such ticket in this account');
    const comments = await this.dataSource
      .getRepository(Comment)
      .find({ where: { accountId, ticketId }, order: { createdAt: 'ASC' } });
    const attachments = await this.dataSource
      .getRepository(Attachment)
      .find({ where: { accountId, ticketId }, order: { createdAt: 'ASC' } });
    return { ticket, comments, attachments };
  }
}

/** The account's next ticket number, taken with UPDATE … RETURNING so numbers never repeat (also used for tickets opened by SMS). */
export async function nextTicketNumber(tx: EntityManager, accountId: string): Promise<number> {
  const rows = await runPrepared<{ number: number }>(tx, NEXT_TICKET_NUMBER, [accountId]);
  if (rows.length === 0) throw new NotFoundException('No such account');
  return rows[0].number;
}
