import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { SMS_SETTINGS_DEFAULTS, SmsSettings } from './sms-settings.entity';

export type SmsSettingsChanges = Partial<Omit<SmsSettings, 'accountId' | 'updatedAt'>>;

@Injectable()
export class SmsSettingsService {
  constructor(@InjectRepository(SmsSettings) private readonly settings: Repository<SmsSettings>) {}

  /** The account's settings, defaults filled in for an account that never saved any. */
  async get(accountId: string, tx?: EntityManager): Promise<SmsSettings> {
    const repo = tx ? tx.getRepository(SmsSettings) : this.settings;
    return (await repo.findOne({ where: { accountId } })) ?? repo.create({ accountId, ...SMS_SETTINGS_DEFAULTS });
  }

  async update(accountId: string, changes: SmsSettingsChanges): Promise<SmsSettings> {
    const current = await this.get(accountId);
    const { updatedAt: _updatedAt, ...values } = { ...current, ...changes };
    await this.settings.upsert(values, ['accountId']);
    return this.get(accountId);
  }
}
