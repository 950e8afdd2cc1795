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
    // The ticket's row (its lock taken by the UPDATE; a status of null leaves the status as it is) and the update's
    // comment in one statement; no row when the ticket is not in the account. The status after it goes to the text.
    this.touchAndComment = {
      name: 'helpdesk-ticket-update',
      text: `WITH touched AS (
               UPDATE tickets SET status = COALESCE($7, status), updated_at = now() WHERE account_id = $1 AND id = $2 RETURNING id, status
             )
             INSERT INTO comments (account_id, ticket_id, author_type, author_user_id, body, sms_body, public)
             SELECT $1, t.id, 'user', $3, $4, $5, $6 FROM touched t
             RETURNING ${columnList(dataSource.manager, Comment)}, (SELECT status FROM touched) AS ticket_status`,
    };
    this.insertComment = {
      name: 'helpdesk-ticket-update-comment',
      text: `INSERT INTO comments (account_id, ticket_id, author_type, author_user_id, body, sms_body, public) VALUES ($1, $2, 'user', $3, $4, $5, $6)
             RETURNING ${columnList(dataSource.manager, Comment)}`,
    };
  }

  /** Prepared, with the constants above: every new ticket and every technician's update runs them. */
  private readonly insertTicket: PreparedStatement;
  private readonly touchAndComment: PreparedStatement;
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
        const isPublic = input.public ?? true;
        const privateWithText = !isPublic && smsBody !== '';
        // A private note stays private even when a text goes with it: what was texted (never the note) is its own public entry.
        const first =
          privateWithText && !emailBody
            ? { body: smsBody, sms: smsBody, isPublic: true }
            : {
                body: emailBody || smsBody || `Status changed to ${input.status}`,
                sms: privateWithText ? null : smsBody || null,
                isPublic,
              };
        const [row] = await runPrepared<Record<string, unknown> & { ticket_status: string }>(tx, this.touchAndComment, [
          accountId,
          ticketId,
          userId,
          first.body,
          first.sms,
          first.isPublic,
          input.status ?? null,
        ]);
        if (!row) throw new NotFoundException('No such ticket in this account');
        const note = hydrate(tx, Comment, row);
        const texted =
          privateWithText && emailBody
            ? hydrate(
                tx,
                Comment,
                (await runPrepared(tx, this.insertComment, [accountId, ticketId, userId, smsBody, smsBody, true]))[0],
              )
            : note;
        return { result: note, commentId: texted.id, smsBody, ticketStatus: row.ticket_status };
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
