import { Inject, Injectable } from '@nestjs/common';
import { SmsSettings } from '../settings/sms-settings.entity';
import { SmsSettingsService } from '../settings/sms-settings.service';
import { FlowrouteSettings } from './flowroute/flowroute-settings.service';
import { SMS_PROVIDER, type SmsProvider } from './sms-provider';

/**
 * Which provider carries an account's texts. Asked when a message is handed over, not when it is written, so a
 * text that waited (business hours, credits, retries) goes out through the provider in force at that moment.
 */
@Injectable()
export class ProviderResolver {
  constructor(
    @Inject(SMS_PROVIDER) private readonly platform: SmsProvider,
    private readonly settings: SmsSettingsService,
    private readonly flowroute: FlowrouteSettings,
  ) {}

  /** `settings`: the account's settings when the caller has just read them (the send job reads them with the message). */
  async forAccount(accountId: string, settings?: SmsSettings): Promise<SmsProvider> {
    settings ??= await this.settings.get(accountId);
    return settings.provider === 'flowroute' ? this.flowroute.provider(settings) : this.platform;
  }

  /**
   * The provider a message was handed to, to look it up after an ambiguous failure, whatever the account uses
   * now. Another provider never saw it, so asking the current one could send it twice.
   */
  async named(accountId: string, name: string | null): Promise<SmsProvider> {
    return name === 'flowroute' ? this.flowroute.provider(await this.settings.get(accountId)) : this.platform;
  }
}
