import { ConflictException, Inject, Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { TICKET_GATEWAY, type TicketGateway } from '../ports/ticket-gateway.port';
import { ensureDefaultNumber } from './default-number';
import { NumberVerification } from './number-verification.service';
import { PlatformNumber } from './platform-number.entity';
import { SmsNumber } from './sms-number.entity';
import { parseBusinessNumber } from './sms-numbers.service';

/** A platform number assigned to an account, and whether the account has added it to its SMS numbers yet. */
export interface NumberAssignment {
  number: string;
  accountId: string;
  assignedAt: Date;
  /** The account's SMS number made from it; null until an admin adds it (POST /api/sms/numbers). */
  smsNumberId: string | null;
}

/**
 * The platform's side of numbers: which of its own provider account's numbers each account may use. For the host's
 * platform API (the module serves no route for it: who is "the platform" is the host's business).
 */
@Injectable()
export class PlatformNumbers {
  constructor(
    @InjectRepository(PlatformNumber) private readonly assignments: Repository<PlatformNumber>,
    @InjectRepository(SmsNumber) private readonly numbers: Repository<SmsNumber>,
    @Inject(TICKET_GATEWAY) private readonly gateway: TicketGateway,
    private readonly verification: NumberVerification,
  ) {}

  /**
   * Assigns a number of the platform's provider account to an account (the same assignment again is a no-op).
   * 422 when the platform's provider does not list it, 409 when another account has it.
   */
  async assign(accountId: string, input: string): Promise<NumberAssignment> {
    await this.requireAccount(accountId);
    const number = parseBusinessNumber(input);
    const current = await this.assignments.findOne({ where: { number } });
    const elsewhere = new ConflictException(`${number} is assigned to another account; unassign it there first`);
    if (current && current.accountId !== accountId) throw elsewhere;
    // Another account's unverified claim does not block it: the account it is assigned to replaces that claim.
    const holder = await this.numbers.findOne({ where: { number } });
    if (holder && holder.accountId !== accountId && holder.verifiedAt)
      throw new ConflictException(`${number} is in use by another account; unassign it there first`);
    if (!current) {
      const listed = await this.verification.listedByPlatform(accountId, number);
      if (!listed.verified) throw new UnprocessableEntityException(listed.reason);
      // A concurrent assignment of the same number loses on the primary key.
      await this.assignments.createQueryBuilder().insert().values({ number, accountId }).orIgnore().execute();
      const saved = await this.assignments.findOneOrFail({ where: { number } });
      if (saved.accountId !== accountId) throw elsewhere;
    }
    return this.describe(accountId, await this.assignments.findOneOrFail({ where: { number } }));
  }

  async list(accountId: string): Promise<NumberAssignment[]> {
    await this.requireAccount(accountId);
    const rows = await this.assignments.find({ where: { accountId }, order: { assignedAt: 'ASC', number: 'ASC' } });
    const added = await this.numbers.find({ where: { accountId }, select: { id: true, number: true } });
    const ids = new Map(added.map((n) => [n.number, n.id]));
    return rows.map((row) => ({
      number: row.number,
      accountId: row.accountId,
      assignedAt: row.assignedAt,
      smsNumberId: ids.get(row.number) ?? null,
    }));
  }

  /**
   * The number leaves the account: the assignment goes, and so does the account's SMS number made from it (its
   * conversations and texts stay). 404 when the account had neither.
   */
  async unassign(accountId: string, input: string): Promise<void> {
    await this.requireAccount(accountId);
    const number = parseBusinessNumber(input);
    const removed = await this.numbers.manager.transaction(async (tx) => {
      const assignment = await tx.getRepository(PlatformNumber).delete({ number, accountId });
      const held = await tx
        .getRepository(SmsNumber)
        .findOne({ where: { number, accountId }, lock: { mode: 'pessimistic_write' } });
      if (held) {
        await tx.getRepository(SmsNumber).delete({ id: held.id });
        if (held.isDefault) await ensureDefaultNumber(tx, accountId);
      }
      return (assignment.affected ?? 0) > 0 || held !== null;
    });
    if (!removed) throw new NotFoundException(`${number} is not assigned to this account`);
  }

  private async describe(accountId: string, row: PlatformNumber): Promise<NumberAssignment> {
    const added = await this.numbers.findOne({ where: { accountId, number: row.number }, select: { id: true } });
    return { number: row.number, accountId: row.accountId, assignedAt: row.assignedAt, smsNumberId: added?.id ?? null };
  }

  private async requireAccount(accountId: string): Promise<void> {
    if (!(await this.gateway.getAccount(accountId))) throw new NotFoundException('No such account');
  }
}
