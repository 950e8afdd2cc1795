import { ConflictException, Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { parsePhoneNumberWithError, ParseError } from 'libphonenumber-js';
import { EntityManager, Repository } from 'typeorm';
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
  constructor(@InjectRepository(SmsNumber) private readonly numbers: Repository<SmsNumber>) {}

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
