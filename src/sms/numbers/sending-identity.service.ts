import { ForbiddenException, Inject, Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { EntityManager, IsNull, Not } from 'typeorm';
import { TICKET_GATEWAY, TicketGateway } from '../ports/ticket-gateway.port';
import { SmsConversation } from '../conversations/sms-conversation.entity';
import { SmsNumber } from './sms-number.entity';
import { mayUse, notVerified } from './sms-numbers.service';

/** The number a text goes from, and which rule chose it; or why there is none. */
export type SenderChoice = { number: SmsNumber; rule: 'chosen' | 'conversation' | 'direct' | 'default' } | { skip: string };

/**
 * Which of the account's numbers a ticket's text goes from: the number the technician chose (`fromNumberId`, among
 * those they may use), else the number the customer's conversation is on (the customer keeps one thread), else the
 * technician's own direct number, else the account's default. Only verified numbers send.
 */
@Injectable()
export class SendingIdentity {
  constructor(@Inject(TICKET_GATEWAY) private readonly gateway: TicketGateway) {}

  /** A technician's explicit choice: 404 for a number of another account, 422 unverified, 403 not theirs to use. */
  async chosen(tx: EntityManager, accountId: string, userId: string | null, fromNumberId: string): Promise<SenderChoice> {
    const number = await tx.getRepository(SmsNumber).findOne({ where: { accountId, id: fromNumberId } });
    if (!number) throw new NotFoundException('fromNumberId: no such SMS number in this account');
    if (!number.verifiedAt) throw new UnprocessableEntityException(`fromNumberId: ${notVerified(number)}`);
    const user = userId ? await this.gateway.getUser(accountId, userId, tx) : null;
    if (user && user.role !== 'admin' && !mayUse(number, user.id, user.teamIds)) {
      const whose = number.kind === 'direct' ? "another user's direct number" : "the number of a team you are not in";
      throw new ForbiddenException(`fromNumberId: you may not send from ${number.number} (${whose}); GET /api/sms/numbers/mine lists yours`);
    }
    return { number, rule: 'chosen' };
  }

  /** The automatic choice for a text to `to`. */
  async automatic(tx: EntityManager, accountId: string, userId: string | null, to: string): Promise<SenderChoice> {
    const repo = tx.getRepository(SmsNumber);
    // The number itself in the same statement as the thread that picks it.
    const thread = await repo
      .createQueryBuilder('n')
      .innerJoin(SmsConversation, 'c', 'c.accountId = n.accountId AND c.businessNumber = n.number')
      .where('n.accountId = :accountId AND n.verifiedAt IS NOT NULL AND c.contactPhone = :to', { accountId, to })
      .orderBy('c.lastActivityAt', 'DESC', 'NULLS LAST')
      .limit(1)
      .getOne();
    if (thread) return { number: thread, rule: 'conversation' };
    if (userId) {
      const direct = await repo.findOne({ where: { accountId, kind: 'direct', userId, verifiedAt: Not(IsNull()) }, order: { createdAt: 'ASC' } });
      if (direct) return { number: direct, rule: 'direct' };
    }
    const fallback = await repo.findOne({ where: { accountId, isDefault: true } });
    if (fallback?.verifiedAt) return { number: fallback, rule: 'default' };
    if (fallback) return { skip: `The account's default number ${notVerified(fallback)}` };
    if (await repo.exists({ where: { accountId } })) {
      return { skip: "None of the account's SMS numbers is verified, so none may send; verify one (POST /api/sms/numbers/:id/verify)" };
    }
    return { skip: 'The account has no SMS number to send from' };
  }
}
