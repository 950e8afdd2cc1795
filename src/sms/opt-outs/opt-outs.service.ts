import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { SmsOptOut } from './sms-opt-out.entity';
import { OPT_OUT } from './opt-outs.queries';

/** Who texted STOP to an account. Kept per account and phone: one STOP silences every number of the account. */
@Injectable()
export class OptOutsService {
  constructor(@InjectRepository(SmsOptOut) private readonly optOuts: Repository<SmsOptOut>) {}

  async isOptedOut(accountId: string, phone: string, tx?: EntityManager): Promise<boolean> {
    return (tx ? tx.getRepository(SmsOptOut) : this.optOuts).exists({ where: { accountId, phone } });
  }

  /** Records the opt-out; a repeated STOP keeps the first date. Returns whether the phone was opted in until now. */
  async optOut(
    tx: EntityManager,
    input: { accountId: string; phone: string; keyword: string; messageId: string; at: Date },
  ): Promise<boolean> {
    const rows = (await tx.query(OPT_OUT, [
      input.accountId,
      input.phone,
      input.keyword,
      input.messageId,
      input.at,
    ])) as unknown[];
    return rows.length > 0;
  }

  /** Removes the opt-out. Returns whether there was one. */
  async optIn(tx: EntityManager, accountId: string, phone: string): Promise<boolean> {
    const deleted = await tx.getRepository(SmsOptOut).delete({ accountId, phone });
    return (deleted.affected ?? 0) > 0;
  }
}
