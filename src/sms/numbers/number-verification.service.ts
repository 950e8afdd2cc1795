import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Clock } from '../clock/clock';
import { FlowrouteSettings } from '../providers/flowroute/flowroute-settings.service';
import { SMS_PROVIDER, type SmsProvider } from '../providers/sms-provider';
import { SMS_SETTINGS_DEFAULTS, SmsSettings } from '../settings/sms-settings.entity';
import { ensureDefaultNumber } from './default-number';
import { PlatformNumber } from './platform-number.entity';
import { SmsNumber } from './sms-number.entity';

/**
 * What the proof of a number said: ours (it may send), or not, with the reason an admin can act on. `refusal` says the
 * answer is final: `not_assigned`, a platform number the platform has not assigned to this account; `not_owned`, the
 * account's own provider account does not have it. Without it the check could not be made (try again later).
 */
export type NumberCheck =
  { verified: true; method: string } | { verified: false; reason: string; refusal?: 'not_assigned' | 'not_owned' };

/** Provider lookups in flight at once when an account's numbers are checked again. */
const RECHECK_CONCURRENCY = 4;

/** A number that sends through the platform must be assigned to the account by the platform; its reason otherwise. */
export function notAssigned(number: string): string {
  return `${number} is not assigned to this account: the platform's numbers are assigned by the platform (ask your provider to assign it), or add a number of your own Flowroute account`;
}

/**
 * Proves a business number is the account's. Through the platform: the platform assigned it to the account, and
 * the platform's provider account has it. Through the account's own Flowroute account:
 * Flowroute's Numbers API, asked with the account's keys, has it.
 */
@Injectable()
export class NumberVerification {
  private readonly logger = new Logger(NumberVerification.name);

  constructor(
    @Inject(SMS_PROVIDER) private readonly platform: SmsProvider,
    @InjectRepository(SmsSettings) private readonly settings: Repository<SmsSettings>,
    @InjectRepository(PlatformNumber) private readonly platformNumbers: Repository<PlatformNumber>,
    @InjectRepository(SmsNumber) private readonly numbers: Repository<SmsNumber>,
    private readonly flowroute: FlowrouteSettings,
    private readonly clock: Clock,
  ) {}

  async check(accountId: string, number: string): Promise<NumberCheck> {
    const settings =
      (await this.settings.findOne({ where: { accountId } })) ??
      this.settings.create({ accountId, ...SMS_SETTINGS_DEFAULTS });
    if (settings.provider === 'flowroute') return this.checkAtFlowroute(settings, number);
    const assigned = await this.platformNumbers.findOne({ where: { number } });
    if (assigned?.accountId !== accountId)
      return { verified: false, reason: notAssigned(number), refusal: 'not_assigned' };
    return this.listedByPlatform(accountId, number);
  }

  /**
   * Checks every number of the account again (after its provider or its provider's keys changed): what the new
   * provider cannot prove stops sending and stops being the default. Returns how many are verified now.
   */
  async recheckAll(accountId: string): Promise<number> {
    const all = await this.numbers.find({ where: { accountId }, order: { createdAt: 'ASC' } });
    let verified = 0;
    // A few lookups at a time: fast for an account's usual handful of numbers, gentle on the provider's rate limit.
    for (let i = 0; i < all.length; i += RECHECK_CONCURRENCY) {
      const results = await Promise.all(
        all.slice(i, i + RECHECK_CONCURRENCY).map((number) => this.recheck(accountId, number)),
      );
      verified += results.filter(Boolean).length;
    }
    await this.numbers.manager.transaction((tx) => ensureDefaultNumber(tx, accountId));
    return verified;
  }

  private async recheck(accountId: string, number: SmsNumber): Promise<boolean> {
    const check = await this.check(accountId, number.number);
    const now = this.clock.now();
    await this.numbers.update(
      { accountId, id: number.id },
      check.verified
        ? { verifiedAt: number.verifiedAt ?? now, verificationCheckedAt: now, verificationError: null }
        : { verifiedAt: null, verificationCheckedAt: now, verificationError: check.reason, isDefault: false },
    );
    return check.verified;
  }

  /** Whether the platform's own provider account has the number (the sandbox has every number). */
  async listedByPlatform(accountId: string | null, number: string): Promise<NumberCheck> {
    if (!this.platform.ownsNumber)
      return { verified: false, reason: `The ${this.platform.name} provider cannot confirm numbers` };
    const ownership = await this.platform.ownsNumber(number);
    if (ownership.owned) return { verified: true, method: this.platform.name };
    if (!ownership.final)
      this.logger.warn({ accountId, reason: ownership.reason }, 'number verification could not reach the provider');
    return { verified: false, reason: ownership.reason };
  }

  private async checkAtFlowroute(settings: SmsSettings, number: string): Promise<NumberCheck> {
    let ownership;
    try {
      ownership = await this.flowroute.provider(settings).ownsNumber(number);
    } catch (e) {
      return {
        verified: false,
        reason: `The account's Flowroute settings cannot be used to check ${number}: ${(e as Error).message}`,
      };
    }
    if (ownership.owned) return { verified: true, method: 'flowroute' };
    return ownership.final
      ? { verified: false, reason: ownership.reason, refusal: 'not_owned' }
      : { verified: false, reason: ownership.reason };
  }
}
