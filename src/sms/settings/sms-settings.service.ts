import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { columnList, hydrate } from '../core/hydrate';
import { PreparedStatement, runPrepared } from '../core/prepared';
import { NumberVerification } from '../numbers/number-verification.service';
import { FlowrouteSettings, ProviderChange } from '../providers/flowroute/flowroute-settings.service';
import { SMS_SETTINGS_DEFAULTS, SmsSettings } from './sms-settings.entity';
import { settingsByAccount } from './settings.queries';

export type SmsSettingsChanges = Partial<Omit<SmsSettings, 'accountId' | 'updatedAt'>>;

@Injectable()
export class SmsSettingsService {
  /** Settings read in a transaction, per account; gone with the transaction's EntityManager. */
  private readonly inTransaction = new WeakMap<EntityManager, Map<string, Promise<SmsSettings>>>();

  constructor(
    @InjectRepository(SmsSettings) private readonly settings: Repository<SmsSettings>,
    private readonly flowroute: FlowrouteSettings,
    private readonly verification: NumberVerification,
  ) {
    this.byAccount = settingsByAccount(columnList(settings.manager, SmsSettings));
  }

  /** Prepared: every text, inbound and outbound, reads the settings. */
  private readonly byAccount: PreparedStatement;

  /**
   * The account's settings, defaults filled in for an account that never saved any. Within a transaction they are
   * read once: a ticket update asks for them three times on its way to writing a text. Treat the result as read-only.
   */
  get(accountId: string, tx?: EntityManager): Promise<SmsSettings> {
    if (!tx) return this.read(accountId, this.settings.manager);
    const perAccount = this.readIn(tx);
    let settings = perAccount.get(accountId);
    if (!settings) perAccount.set(accountId, (settings = this.read(accountId, tx)));
    return settings;
  }

  /**
   * Settings read in a transaction as part of another statement (a join): later `get()` calls in the same
   * transaction use them instead of reading again. Returns them, defaults filled in.
   */
  remember(tx: EntityManager, accountId: string, row: SmsSettings | null): SmsSettings {
    const settings = this.orDefaults(accountId, row);
    this.readIn(tx).set(accountId, Promise.resolve(settings));
    return settings;
  }

  /** The settings already read in `tx`, per account. */
  private readIn(tx: EntityManager): Map<string, Promise<SmsSettings>> {
    let perAccount = this.inTransaction.get(tx);
    if (!perAccount) this.inTransaction.set(tx, (perAccount = new Map()));
    return perAccount;
  }

  /** The settings row read as part of another statement (a join), or the defaults when the account never saved any. */
  orDefaults(accountId: string, row: SmsSettings | null | undefined): SmsSettings {
    return row ?? this.settings.create({ accountId, ...SMS_SETTINGS_DEFAULTS });
  }

  /** `db`: the transaction's manager (its connection), or the pool's. */
  private async read(accountId: string, db: EntityManager): Promise<SmsSettings> {
    const [row] = await runPrepared(db, this.byAccount, [accountId]);
    return this.orDefaults(accountId, row ? hydrate(db, SmsSettings, row) : null);
  }

  async update(
    accountId: string,
    changes: SmsSettingsChanges & Pick<ProviderChange, 'flowroute'>,
  ): Promise<SmsSettings> {
    const current = await this.get(accountId);
    const { flowroute, ...columns } = changes;
    // Checked and sealed before anything is written: a refused provider change leaves every setting as it was.
    const provider = this.flowroute.changes(current, { provider: columns.provider, flowroute });
    const { updatedAt: _updatedAt, ...values } = { ...current, ...columns, ...provider };
    await this.settings.upsert(values, ['accountId']);
    // Whoever carries the texts now must prove the numbers again: what it cannot prove stops sending.
    const carrierChanged =
      (provider.provider !== undefined && provider.provider !== current.provider) ||
      (provider.flowrouteCredentials !== undefined && (provider.provider ?? current.provider) === 'flowroute');
    if (carrierChanged) await this.verification.recheckAll(accountId);
    if (provider.provider === 'flowroute' && current.provider !== 'flowroute')
      await this.flowroute.releaseHeld(accountId);
    return this.get(accountId);
  }
}
