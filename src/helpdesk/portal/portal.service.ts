import { randomBytes } from 'node:crypto';
import { Injectable, NotFoundException } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import { RateLimits, TooManyRequestsException } from '../../sms';
import { Account } from '../accounts/account.entity';
import { Customer } from '../customers/customer.entity';
import { Attachment } from '../tickets/attachment.entity';
import { Comment } from '../tickets/comment.entity';
import { Ticket } from '../tickets/ticket.entity';
import { User } from '../users/user.entity';
import type { PortalView } from './portal-page';

// Portal tokens are 16 base64url characters (12 random bytes: 96 bits, and unknown ones are rate-limited per
// address), 32 for older tickets; anything else is not looked up at all.
const TOKEN = /^[A-Za-z0-9_-]{16,128}$/;

/** A new ticket's portal token: unguessable, and short, as it is texted in the customer's first SMS. */
export function newPortalToken(): string {
  return randomBytes(12).toString('base64url');
}

/** Unknown portal links one client address may try per window; then its lookups stop until the window ends. */
export const PORTAL_FAILURES_PER_ADDRESS = 30;
export const PORTAL_FAILURE_WINDOW_MS = 15 * 60_000;

/** What a customer holding a ticket's portal link may see: that ticket's public comments and public files. */
@Injectable()
export class PortalService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly limits: RateLimits,
  ) {}

  async view(token: string, address: string): Promise<PortalView> {
    const ticket = await this.ticket(token, address);
    const [account, customer, comments] = await Promise.all([
      this.dataSource.getRepository(Account).findOneByOrFail({ id: ticket.accountId }),
      this.dataSource.getRepository(Customer).findOneBy({ accountId: ticket.accountId, id: ticket.customerId }),
      this.dataSource.getRepository(Comment).find({
        where: { accountId: ticket.accountId, ticketId: ticket.id, public: true },
        order: { createdAt: 'ASC' },
      }),
    ]);
    const commentIds = comments.map((c) => c.id);
    const userIds = [...new Set(comments.map((c) => c.authorUserId).filter((id): id is string => id !== null))];
    const [attachments, users] = await Promise.all([
      commentIds.length
        ? this.dataSource.getRepository(Attachment).find({
            where: { accountId: ticket.accountId, commentId: In(commentIds), public: true },
            order: { createdAt: 'ASC' },
          })
        : Promise.resolve([]),
      userIds.length
        ? this.dataSource.getRepository(User).find({ where: { accountId: ticket.accountId, id: In(userIds) } })
        : Promise.resolve([]),
    ]);
    return {
      accountName: account.name,
      timezone: account.timezone,
      ticket: { number: ticket.number, subject: ticket.subject, status: ticket.status, createdAt: ticket.createdAt },
      comments: comments.map((c) => ({
        author:
          c.authorType === 'customer'
            ? (customer?.name ?? 'You')
            : (users.find((u) => u.id === c.authorUserId)?.name ?? account.name),
        fromCustomer: c.authorType === 'customer',
        body: c.body,
        createdAt: c.createdAt,
        attachments: attachments
          .filter((a) => a.commentId === c.id)
          .map((a) => ({ id: a.id, fileName: a.fileName, hasThumbnail: a.thumbnailKey !== null })),
      })),
    };
  }

  /** A public file on a public comment of this very ticket; anything else is 404, whatever it is. */
  async attachment(token: string, id: string, address: string): Promise<Attachment> {
    const ticket = await this.ticket(token, address);
    const found = await this.dataSource
      .getRepository(Attachment)
      .createQueryBuilder('a')
      .where('a.accountId = :accountId AND a.ticketId = :ticketId AND a.id = :id AND a.public', {
        accountId: ticket.accountId,
        ticketId: ticket.id,
        id,
      })
      .andWhere(
        'EXISTS (SELECT 1 FROM comments c WHERE c.id = a.comment_id AND c.ticket_id = a.ticket_id AND c.public)',
      )
      .getOne();
    if (!found) throw new NotFoundException('No such file on this ticket');
    return found;
  }

  private async ticket(token: string, address: string): Promise<Ticket> {
    const failuresKey = `portal-failures:${address}`;
    const failures = await this.limits.peek(failuresKey);
    if (failures.count >= PORTAL_FAILURES_PER_ADDRESS)
      throw new TooManyRequestsException('Too many unknown links from your network; try again later', failures.resetMs);
    const ticket = TOKEN.test(token)
      ? await this.dataSource.getRepository(Ticket).findOneBy({ portalToken: token })
      : null;
    if (!ticket) {
      await this.limits.hit(failuresKey, PORTAL_FAILURE_WINDOW_MS);
      throw new NotFoundException('This link is not valid');
    }
    return ticket;
  }
}
