import {
  ConflictException,
  ForbiddenException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { parsePhoneNumberWithError, ParseError } from 'libphonenumber-js';
import { EntityManager, Repository } from 'typeorm';
import { Clock } from '../clock/clock';
import { TICKET_GATEWAY, type TicketGateway } from '../ports/ticket-gateway.port';
import { ensureDefaultNumber } from './default-number';
import {
  AssignmentConflict,
  assignmentConflict,
  HistoryChoice,
  historyChoiceRequired,
  NumberHolder,
  sameHolder,
} from './number-assignment';
import { NumberHistory } from './number-history.entity';
import { NumberCheck, NumberVerification } from './number-verification.service';
import type { UpdateSmsNumberDto } from './sms-number.dto';
import { SmsNumber } from './sms-number.entity';
import { HISTORY_START } from './numbers.queries';

/** Parses a business number typed with its country code; 422 with the reason otherwise. */
export function parseBusinessNumber(input: string): string {
  try {
    const parsed = parsePhoneNumberWithError(input.trim());
    if (!parsed.isValid()) throw new UnprocessableEntityException(`${input} is not a valid phone number`);
    return parsed.number;
  } catch (e) {
    if (e instanceof ParseError) {
      const reason =
        e.message === 'INVALID_COUNTRY'
          ? 'enter it with its country code, e.g. +1 555 010 0199'
          : e.message.toLowerCase().replace(/_/g, ' ');
      throw new UnprocessableEntityException(`${input} is not a phone number: ${reason}`);
    }
    throw e;
  }
}

/**
 * Who may send from a number: a direct number's user, a team number's members, a chosen-users number's users, everyone
 * for a shared number, and nobody for an unassigned one (not even admins: it sends nothing until it is assigned).
 */
export function mayUse(
  number: Pick<SmsNumber, 'kind' | 'userId' | 'teamId'> & { memberIds?: string[] },
  userId: string,
  teamIds: string[],
): boolean {
  switch (number.kind) {
    case 'direct':
      return number.userId === userId;
    case 'group':
      return number.teamId !== null && teamIds.includes(number.teamId);
    case 'users':
      return (number.memberIds ?? []).includes(userId);
    case 'shared':
      return true;
    case 'unassigned':
      return false;
  }
}

/** Why an unassigned number does not send. */
export function notAssigned(number: Pick<SmsNumber, 'id' | 'number'>): string {
  return `${number.number} is not assigned to anyone, so it sends nothing; assign it first (PATCH /api/sms/numbers/${number.id} with kind)`;
}

export function notVerified(number: Pick<SmsNumber, 'id' | 'number' | 'verificationError'>): string {
  const why = number.verificationError ? ` (${number.verificationError})` : '';
  return `${number.number} is not verified${why}; verify it first (POST /api/sms/numbers/${number.id}/verify)`;
}

/**
 * A caller as far as numbers care: admins may use every number, technicians their own, their teams' and shared ones.
 */
export interface NumberUser {
  accountId: string;
  userId: string;
  role: 'admin' | 'technician';
}

@Injectable()
export class SmsNumbersService {
  private readonly logger = new Logger(SmsNumbersService.name);

  constructor(
    @InjectRepository(SmsNumber) private readonly numbers: Repository<SmsNumber>,
    @Inject(TICKET_GATEWAY) private readonly gateway: TicketGateway,
    private readonly verification: NumberVerification,
    private readonly clock: Clock,
  ) {}

  list(accountId: string): Promise<SmsNumber[]> {
    return this.numbers.find({ where: { accountId }, order: { createdAt: 'ASC' } });
  }

  /**
   * Adds a number once it is proved the account's: a platform number must be assigned to the account by the
   * platform (403 otherwise), a number of the account's own Flowroute account must be on it (422 otherwise). When the
   * provider could not be asked, the number is kept unverified (it does not send) until it is verified again.
   * Another account's unverified claim never blocks a number proved this account's.
   */
  async add(accountId: string, input: { number: string; label: string }): Promise<SmsNumber> {
    const number = parseBusinessNumber(input.number);
    const holder = await this.numbers.findOne({ where: { number } });
    if (holder && (holder.accountId === accountId || holder.verifiedAt))
      throw new ConflictException(`${number} is already in use`);
    const check = await this.verification.check(accountId, number);
    if (!check.verified && check.refusal === 'not_assigned') throw new ForbiddenException(check.reason);
    if (!check.verified && check.refusal === 'not_owned') throw new UnprocessableEntityException(check.reason);
    const now = this.clock.now();
    try {
      return await this.insert(accountId, number, input.label, check, now);
    } catch (e) {
      // Another request added the same number a moment ago.
      if ((e as { code?: string }).code === '23505') throw new ConflictException(`${number} is already in use`);
      throw e;
    }
  }

  /**
   * Adds a number and assigns it in one step (the assignment is checked before anything is added). A number that is
   * not verified yet stays unassigned: it cannot send, so it is not given to anyone.
   */
  async addAssigned(
    accountId: string,
    input: { number: string; label: string },
    assignment: Pick<UpdateSmsNumberDto, 'kind' | 'userId' | 'teamId' | 'memberIds'>,
    byUserId: string | null,
  ): Promise<SmsNumber> {
    const unassigned: NumberHolder = { kind: 'unassigned', userId: null, teamId: null, memberIds: [] };
    const next = await this.nextHolder(accountId, unassigned, assignment);
    const added = await this.add(accountId, input);
    if (next.kind === 'unassigned' || !added.verifiedAt) return added;
    await this.numbers.manager.transaction(async (tx) => {
      const locked = await tx
        .getRepository(SmsNumber)
        .findOne({ where: { accountId, id: added.id }, lock: { mode: 'pessimistic_write' } });
      if (locked) await this.assign(tx, locked, next, 'hand_over', byUserId);
    });
    return this.get(accountId, added.id);
  }

  private insert(accountId: string, number: string, label: string, check: NumberCheck, now: Date): Promise<SmsNumber> {
    return this.numbers.manager.transaction(async (tx) => {
      const repo = tx.getRepository(SmsNumber);
      const taken = await repo.findOne({ where: { number }, lock: { mode: 'pessimistic_write' } });
      if (taken && (taken.accountId === accountId || taken.verifiedAt || !check.verified))
        throw new ConflictException(`${number} is already in use`);
      if (taken) {
        await repo.delete({ id: taken.id });
        this.logger.log(
          { accountId, previousAccountId: taken.accountId },
          "a proved number replaced another account's unverified claim",
        );
      }
      // The first verified number an account adds becomes its default sender.
      const hasDefault = await repo.exists({ where: { accountId, isDefault: true } });
      return repo.save(
        repo.create({
          accountId,
          number,
          label,
          isDefault: !hasDefault && check.verified,
          verifiedAt: check.verified ? now : null,
          verificationCheckedAt: now,
          verificationError: check.verified ? null : check.reason,
        }),
      );
    });
  }

  async get(accountId: string, id: string): Promise<SmsNumber> {
    const found = await this.numbers.findOne({ where: { accountId, id } });
    if (!found) throw new NotFoundException('No such SMS number in this account');
    return found;
  }

  /** Asks the provider again; a number that is no longer ours stops sending (and stops being the default). */
  async verify(accountId: string, id: string): Promise<SmsNumber> {
    const current = await this.get(accountId, id);
    const check = await this.verification.check(accountId, current.number);
    const now = this.clock.now();
    await this.numbers.manager.transaction(async (tx) => {
      const repo = tx.getRepository(SmsNumber);
      await repo.update(
        { accountId, id },
        check.verified
          ? { verifiedAt: now, verificationCheckedAt: now, verificationError: null }
          : { verifiedAt: null, verificationCheckedAt: now, verificationError: check.reason, isDefault: false },
      );
      await ensureDefaultNumber(tx, accountId);
    });
    return this.get(accountId, id);
  }

  /**
   * Kind, assignment and per-number settings. A direct number needs a user, a group number a team, a `users` number
   * its chosen users, each of this account; a user's number never goes to a team and a team's number never to a
   * second team (unassign first). Changing hands never widens who sees the old threads: by default they stay with
   * those who could see them (`history: 'keep'`); `hand_over` gives them to the new holders, and a user's own number
   * going to anyone else needs that choice said (422 otherwise).
   */
  async update(
    accountId: string,
    id: string,
    changes: UpdateSmsNumberDto,
    byUserId: string | null = null,
  ): Promise<SmsNumber> {
    const current = await this.get(accountId, id);
    const next = await this.nextHolder(accountId, current, changes);
    const moving = !sameHolder(current, next);
    if (moving) {
      if (next.kind !== 'unassigned' && !current.verifiedAt)
        throw new UnprocessableEntityException(notVerified(current));
      const conflict = assignmentConflict(current, next, 'single');
      if (conflict) throw new ConflictException(await this.conflictReason(accountId, current, conflict));
      if (!changes.history && historyChoiceRequired(current, next)) {
        const name = (await this.gateway.getUser(accountId, current.userId!))?.name ?? 'its user';
        throw new UnprocessableEntityException(
          `${current.number} is ${name}'s direct number: say what happens to ${name}'s threads with history: 'keep' (they stay with ${name}; the new holder starts afresh) or 'hand_over' (the new holder sees them, ${name} no longer does)`,
        );
      }
    } else if (changes.history) {
      throw new UnprocessableEntityException(
        'history applies when the number changes hands; its assignment is unchanged',
      );
    }
    if (changes.isDefault === false)
      throw new UnprocessableEntityException('Make another number the default instead (isDefault: true on it)');
    if (changes.isDefault && !current.verifiedAt) throw new UnprocessableEntityException(notVerified(current));
    await this.numbers.manager.transaction(async (tx) => {
      const repo = tx.getRepository(SmsNumber);
      const locked = await repo.findOne({ where: { accountId, id }, lock: { mode: 'pessimistic_write' } });
      if (!locked) throw new NotFoundException('No such SMS number in this account');
      if (changes.isDefault) await repo.update({ accountId, isDefault: true }, { isDefault: false });
      if (moving) await this.assign(tx, locked, next, changes.history ?? 'keep', byUserId);
      await repo.update(
        { accountId, id },
        {
          label: changes.label ?? current.label,
          historyVisibility: changes.historyVisibility ?? current.historyVisibility,
          claimTimeoutMinutes:
            changes.claimTimeoutMinutes !== undefined ? changes.claimTimeoutMinutes : current.claimTimeoutMinutes,
          ...(changes.isDefault ? { isDefault: true } : {}),
        },
      );
    });
    return this.get(accountId, id);
  }

  /** The holder a change asks for, checked: the fields each kind needs, and users and teams of this account. */
  private async nextHolder(
    accountId: string,
    current: NumberHolder,
    changes: Pick<UpdateSmsNumberDto, 'kind' | 'userId' | 'teamId' | 'memberIds'>,
  ): Promise<NumberHolder> {
    const kind = changes.kind ?? current.kind;
    // A kind change drops the assignment that no longer fits unless the request names a new one.
    const keep = kind === current.kind;
    const userId = changes.userId !== undefined ? changes.userId : keep ? current.userId : null;
    const teamId = changes.teamId !== undefined ? changes.teamId : keep ? current.teamId : null;
    const memberIds = changes.memberIds !== undefined ? changes.memberIds : keep ? (current.memberIds ?? []) : [];
    if (kind !== 'direct' && userId)
      throw new UnprocessableEntityException(
        `Only a direct number belongs to a user; set kind to direct or leave userId out of a ${kind} number`,
      );
    if (kind !== 'group' && teamId)
      throw new UnprocessableEntityException(
        `Only a group number belongs to a team; set kind to group or leave teamId out of a ${kind} number`,
      );
    if (kind !== 'users' && memberIds && memberIds.length > 0)
      throw new UnprocessableEntityException(
        `Only a users number has chosen users; set kind to users or leave memberIds out of a ${kind} number`,
      );
    if (kind === 'direct' && !userId)
      throw new UnprocessableEntityException('A direct number needs userId: the user whose own number it is');
    if (kind === 'group' && !teamId)
      throw new UnprocessableEntityException('A group number needs teamId: the team that shares it');
    if (kind === 'users' && (!memberIds || memberIds.length === 0))
      throw new UnprocessableEntityException('A users number needs memberIds: the users who share it');
    if (userId && !(await this.gateway.getUser(accountId, userId)))
      throw new NotFoundException('No such user in this account');
    if (teamId && !(await this.gateway.getTeam(accountId, teamId)))
      throw new NotFoundException('No such team in this account');
    const members = [...new Set(memberIds ?? [])];
    for (const memberId of members) {
      if (!(await this.gateway.getUser(accountId, memberId)))
        throw new NotFoundException(`memberIds: no user ${memberId} in this account`);
    }
    return { kind, userId: userId ?? null, teamId: teamId ?? null, memberIds: members };
  }

  /**
   * Gives a locked number to `next`. With `keep` the holders until now keep the threads they could see (a history
   * row) and the new holders see the texts from now on; with `hand_over` the new holders see the number's whole
   * history (earlier holders who kept theirs keep them too).
   */
  async assign(
    tx: EntityManager,
    current: SmsNumber,
    next: NumberHolder,
    history: HistoryChoice,
    byUserId: string | null,
  ): Promise<void> {
    // Handed over, the new holders see the number's whole history: back to where its earliest holder's began.
    const [{ now, start }] = (await tx.query(HISTORY_START, [current.id, current.historyFrom])) as {
      now: Date;
      start: Date | null;
    }[];
    let historyFrom = start;
    if (history === 'keep') {
      // An unassigned number's texts were the admins' only, who see everything anyway.
      if (current.kind !== 'unassigned') {
        await tx.getRepository(NumberHistory).insert({
          accountId: current.accountId,
          numberId: current.id,
          kind: current.kind,
          userId: current.userId,
          teamId: current.teamId,
          memberIds: current.memberIds,
          historyVisibility: current.historyVisibility,
          visibleFrom: current.historyFrom,
          visibleUntil: now,
          changedByUserId: byUserId,
        });
      }
      historyFrom = now;
    }
    await tx
      .getRepository(SmsNumber)
      .update(
        { id: current.id },
        { kind: next.kind, userId: next.userId, teamId: next.teamId, memberIds: next.memberIds ?? [], historyFrom },
      );
  }

  /** Removes a number from the account; its conversations and texts stay (admins still see them). */
  async remove(accountId: string, id: string): Promise<void> {
    await this.numbers.manager.transaction(async (tx) => {
      const repo = tx.getRepository(SmsNumber);
      const current = await repo.findOne({ where: { accountId, id }, lock: { mode: 'pessimistic_write' } });
      if (!current) throw new NotFoundException('No such SMS number in this account');
      await repo.delete({ accountId, id });
      if (current.isDefault) await ensureDefaultNumber(tx, accountId);
    });
  }

  /**
   * The numbers `user` may send from: admins all; technicians their direct numbers, their teams' and the shared ones.
   */
  async usableBy(user: NumberUser, tx?: EntityManager): Promise<SmsNumber[]> {
    const all = await (tx ? tx.getRepository(SmsNumber) : this.numbers).find({
      where: { accountId: user.accountId },
      order: { createdAt: 'ASC' },
    });
    if (user.role === 'admin') return all;
    const teamIds = (await this.gateway.getUser(user.accountId, user.userId, tx))?.teamIds ?? [];
    return all.filter((n) => mayUse(n, user.userId, teamIds));
  }

  /** Why the holder cannot be replaced, naming who holds the number. */
  async conflictReason(
    accountId: string,
    current: SmsNumber,
    conflict: AssignmentConflict,
    tx?: EntityManager,
  ): Promise<string> {
    const holder =
      current.kind === 'direct' && current.userId
        ? `${(await this.gateway.getUser(accountId, current.userId, tx))?.name ?? 'a user'}'s direct number`
        : current.kind === 'group' && current.teamId
          ? `the ${(await this.gateway.getTeam(accountId, current.teamId, tx))?.name ?? 'other'} team's number`
          : 'assigned';
    switch (conflict) {
      case 'user_to_team':
        return `${current.number} is ${holder}: a number assigned to a user cannot be assigned to a team; unassign it first (kind: unassigned)`;
      case 'second_team':
        return `${current.number} is ${holder}: a team's number cannot be assigned to a second team; unassign it first (kind: unassigned)`;
      case 'assigned_elsewhere':
        return `${current.number} is already assigned elsewhere (${holder}); unassign it first`;
    }
  }

  /** Which account a business number belongs to (inbound routing). */
  findByNumber(number: string): Promise<SmsNumber | null> {
    return this.numbers.findOne({ where: { number } });
  }
}
