import { ConflictException, Inject, Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { parsePhoneNumberWithError, ParseError } from 'libphonenumber-js';
import { EntityManager, Repository } from 'typeorm';
import { TICKET_GATEWAY, TicketGateway } from '../ports/ticket-gateway.port';
import type { UpdateSmsNumberDto } from './sms-number.dto';
import { SmsNumber } from './sms-number.entity';

/** Parses a business number typed with its country code; 422 with the reason otherwise. */
export function parseBusinessNumber(input: string): string {
  try {
    const parsed = parsePhoneNumberWithError(input.trim());
    if (!parsed.isValid()) throw new UnprocessableEntityException(`${input} is not a valid phone number`);
    return parsed.number;
  } catch (e) {
    if (e instanceof ParseError) {
      const reason = e.message === 'INVALID_COUNTRY' ? 'enter it with its country code, e.g. +1 555 010 0199' : e.message.toLowerCase().replace(/_/g, ' ');
      throw new UnprocessableEntityException(`${input} is not a phone number: ${reason}`);
    }
    throw e;
  }
}

@Injectable()
export class SmsNumbersService {
  constructor(
    @InjectRepository(SmsNumber) private readonly numbers: Repository<SmsNumber>,
    @Inject(TICKET_GATEWAY) private readonly gateway: TicketGateway,
  ) {}

  list(accountId: string): Promise<SmsNumber[]> {
    return this.numbers.find({ where: { accountId }, order: { createdAt: 'ASC' } });
  }

  async add(accountId: string, input: { number: string; label: string }): Promise<SmsNumber> {
    const number = parseBusinessNumber(input.number);
    return this.numbers.manager.transaction(async (tx) => {
      const repo = tx.getRepository(SmsNumber);
      const taken = await repo.findOne({ where: { number } });
      if (taken) throw new ConflictException(`${number} is already in use`);
      // The first number an account adds becomes its default sender.
      const hasDefault = await repo.exists({ where: { accountId, isDefault: true } });
      return repo.save(repo.create({ accountId, number, label: input.label, isDefault: !hasDefault }));
    });
  }

  async get(accountId: string, id: string): Promise<SmsNumber> {
    const found = await this.numbers.findOne({ where: { accountId, id } });
    if (!found) throw new NotFoundException('No such SMS number in this account');
    return found;
  }

  /** Kind and assignment: a direct number needs a user, a group number a team, each of this account. */
  async update(accountId: string, id: string, changes: UpdateSmsNumberDto): Promise<SmsNumber> {
    const current = await this.get(accountId, id);
    const kind = changes.kind ?? current.kind;
    // A kind change drops the assignment that no longer fits unless the request names a new one.
    const keep = kind === current.kind;
    const userId = changes.userId !== undefined ? changes.userId : keep ? current.userId : null;
    const teamId = changes.teamId !== undefined ? changes.teamId : keep ? current.teamId : null;
    if (kind !== 'direct' && userId) throw new UnprocessableEntityException(`Only a direct number belongs to a user; set kind to direct or leave userId out of a ${kind} number`);
    if (kind !== 'group' && teamId) throw new UnprocessableEntityException(`Only a group number belongs to a team; set kind to group or leave teamId out of a ${kind} number`);
    if (kind === 'direct' && !userId) throw new UnprocessableEntityException('A direct number needs userId: the user whose own number it is');
    if (kind === 'group' && !teamId) throw new UnprocessableEntityException('A group number needs teamId: the team that shares it');
    if (userId && !(await this.gateway.getUser(accountId, userId))) throw new NotFoundException('No such user in this account');
    if (teamId && !(await this.gateway.getTeam(accountId, teamId))) throw new NotFoundException('No such team in this account');
    await this.numbers.update({ accountId, id }, { kind, userId, teamId, label: changes.label ?? current.label });
    return this.get(accountId, id);
  }

  /** The number the account sends from when nothing more specific applies. */
  defaultSender(accountId: string, tx?: EntityManager): Promise<SmsNumber | null> {
    const repo = tx ? tx.getRepository(SmsNumber) : this.numbers;
    return repo.findOne({ where: { accountId, isDefault: true } });
  }

  /** Which account a business number belongs to (inbound routing). */
  findByNumber(number: string): Promise<SmsNumber | null> {
    return this.numbers.findOne({ where: { number } });
  }
}
