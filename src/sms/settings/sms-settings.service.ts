import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { SmsSettings } from './sms-settings.entity';

export type SmsSettingsView = Pick<SmsSettings, 'enabled'>;

const DEFAULTS: SmsSettingsView = { enabled: true };

@Injectable()
export class SmsSettingsService {
  constructor(@InjectRepository(SmsSettings) private readonly settings: Repository<SmsSettings>) {}

  async get(accountId: string, tx?: EntityManager): Promise<SmsSettingsView> {
    const repo = tx ? tx.getRepository(SmsSettings) : this.settings;
    const row = await repo.findOne({ where: { accountId } });
    return { ...DEFAULTS, ...(row ? { enabled: row.enabled } : {}) };
  }

  async update(accountId: string, changes: Partial<SmsSettingsView>): Promise<SmsSettingsView> {
    await this.settings.upsert({ accountId, ...(await this.get(accountId)), ...changes }, ['accountId']);
    return this.get(accountId);
  }
}
