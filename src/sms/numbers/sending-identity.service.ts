import {
  ForbiddenException,
  Inject,
  Injectable,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { columnList, hydrate, hydratePrefixed } from '../core/hydrate';
import { PreparedStatement, runPrepared } from '../core/prepared';
import { TICKET_GATEWAY, type TicketGateway, type UserSummary } from '../ports/ticket-gateway.port';
import type { ThreadAsRead } from '../schedule/live-replies.service';
import { senderStatements } from './numbers.queries';
import { SmsNumber } from './sms-number.entity';
import { mayUse, notAssigned, notVerified } from './sms-numbers.service';

/** A number the contact has a thread on, with that thread as read: a candidate for the sticky sender. */
export interface ThreadCandidate {
  number: SmsNumber;
  thread: ThreadAsRead;
}

/** What a statement over `threadsOfContact` gives beside the number's columns. */
export interface ThreadRow {
  thread_last_inbound_at: Date | null;
  db_now: Date;
}

/** A row of the contact's threads as a candidate: its number's columns plain, or prefixed `prefix`; null without one. */
export function threadCandidate(
  tx: EntityManager,
  row: Record<string, unknown> & ThreadRow,
  prefix?: string,
): ThreadCandidate | null {
  const number = prefix ? hydratePrefixed(tx, SmsNumber, row, prefix) : hydrate(tx, SmsNumber, row);
  return number ? { number, thread: { lastInboundAt: row.thread_last_inbound_at, now: row.db_now } } : null;
}

/**
 * The number a text goes from, and which rule chose it; or why there is none. Chosen by the contact's thread, also
 * that thread as read (when the contact last texted it, and the database's now() then).
 */
export type SenderChoice =
  | {
      number: SmsNumber;
      rule: 'chosen' | 'conversation' | 'direct' | 'team' | 'default';
      thread?: ThreadAsRead;
    }
  | { skip: string };

/**
 * Which of the account's numbers a ticket's text goes from: the number the technician chose (`fromNumberId`, among
 * those they may use), else the number of the customer's latest conversation among those the writer may send from
 * (the customer keeps one thread, but a technician's text never follows it onto a colleague's direct line or another
 * team's number), else the writer's own direct number, else their team's number, else the account's default. Only
 * verified, assigned numbers send.
 */
@Injectable()
export class SendingIdentity {
  constructor(
    @Inject(TICKET_GATEWAY) private readonly gateway: TicketGateway,
    @InjectRepository(SmsNumber) numbers: Repository<SmsNumber>,
  ) {
    const statements = senderStatements(columnList(numbers.manager, SmsNumber, 'n'));
    this.byId = statements.byId;
    this.byThread = statements.byThread;
    this.team = statements.team;
    this.direct = statements.direct;
    this.fallback = statements.fallback;
  }

  private readonly byId: PreparedStatement;
  private readonly byThread: PreparedStatement;
  private readonly team: PreparedStatement;
  private readonly direct: PreparedStatement;
  private readonly fallback: PreparedStatement;

  private async one(tx: EntityManager, statement: PreparedStatement, values: unknown[]): Promise<SmsNumber | null> {
    const [row] = await runPrepared(tx, statement, values);
    return row ? hydrate(tx, SmsNumber, row) : null;
  }

  /** A technician's explicit choice: 404 for a number of another account, 422 unverified, 403 not theirs to use. */
  async chosen(
    tx: EntityManager,
    accountId: string,
    userId: string | null,
    fromNumberId: string,
  ): Promise<SenderChoice> {
    const number = await this.one(tx, this.byId, [accountId, fromNumberId]);
    if (!number) throw new NotFoundException('fromNumberId: no such SMS number in this account');
    if (!number.verifiedAt) throw new UnprocessableEntityException(`fromNumberId: ${notVerified(number)}`);
    if (number.kind === 'unassigned') throw new UnprocessableEntityException(`fromNumberId: ${notAssigned(number)}`);
    const user = userId ? await this.gateway.getUser(accountId, userId, tx) : null;
    if (user && user.role !== 'admin' && !mayUse(number, user.id, user.teamIds)) {
      const whose =
        number.kind === 'direct'
          ? "another user's direct number"
          : number.kind === 'users'
            ? 'a number shared by users you are not one of'
            : 'the number of a team you are not in';
      throw new ForbiddenException(
        `fromNumberId: you may not send from ${number.number} (${whose}); GET /api/sms/numbers/mine lists yours`,
      );
    }
    return { number, rule: 'chosen' };
  }

  private async threads(tx: EntityManager, accountId: string, to: string): Promise<ThreadCandidate[]> {
    const rows = await runPrepared<Record<string, unknown> & ThreadRow>(tx, this.byThread, [accountId, to]);
    return rows.map((row) => threadCandidate(tx, row)!);
  }

  private writer(tx: EntityManager, accountId: string, userId: string | null): Promise<UserSummary | null> {
    return userId ? this.gateway.getUser(accountId, userId, tx) : Promise.resolve(null);
  }

  /**
   * The automatic choice for a text to `to` written by `userId` (null: the system). A thread sticks only when the
   * writer may send from its number (mayUse; admins may use every number), so a technician's text never goes from a
   * colleague's direct line and the contact's answer never lands in that colleague's inbox.
   */
  async automatic(
    tx: EntityManager,
    accountId: string,
    userId: string | null,
    to: string,
    /** The contact's threads, when the caller read them already in this transaction (latest first). */
    threads?: ThreadCandidate[],
  ): Promise<SenderChoice> {
    // The writer is read only when a rule needs their role or teams: a thread on a shared number sticks for anyone.
    let user: UserSummary | null | undefined;
    const writer = async () => (user === undefined ? (user = await this.writer(tx, accountId, userId)) : user);
    for (const { number, thread } of threads ?? (await this.threads(tx, accountId, to))) {
      if (number.kind === 'shared' || mayStickTo(number, await writer()))
        return { number, rule: 'conversation', thread };
    }
    if (userId) {
      const direct = await this.one(tx, this.direct, [accountId, userId]);
      if (direct) return { number: direct, rule: 'direct' };
      const teamIds = (await writer())?.teamIds ?? [];
      const team = teamIds.length > 0 ? await this.one(tx, this.team, [accountId, teamIds]) : null;
      if (team) return { number: team, rule: 'team' };
    }
    const fallback = await this.one(tx, this.fallback, [accountId]);
    if (fallback?.kind === 'unassigned') return { skip: `The account's default number ${notAssigned(fallback)}` };
    if (fallback?.verifiedAt) return { number: fallback, rule: 'default' };
    if (fallback) return { skip: `The account's default number ${notVerified(fallback)}` };
    if (await tx.getRepository(SmsNumber).exists({ where: { accountId } })) {
      return {
        skip: "None of the account's SMS numbers is verified, so none may send; verify one (POST /api/sms/numbers/:id/verify)",
      };
    }
    return { skip: 'The account has no SMS number to send from' };
  }
}

/**
 * Whether a text by `user` follows the contact's thread on `number`: one they may send from (admins: any). A text with
 * no writer (the system's, or of a user the host no longer knows) follows any thread.
 */
function mayStickTo(number: SmsNumber, user: UserSummary | null): boolean {
  return !user || user.role === 'admin' || mayUse(number, user.id, user.teamIds);
}
