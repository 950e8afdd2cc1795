import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Twilio } from 'twilio';
import { SmsSettingsService } from '../settings/sms-settings.service';
import { loadTwilio } from '../providers/twilio-sdk';
import { SMS_MODULE_OPTIONS, type ResolvedSmsOptions } from '../sms.options';

/** What the provider said about a number: ours (it may send), or not, with the reason an admin can act on. */
export type NumberCheck = { verified: true; method: 'sandbox' | 'twilio' | 'flowroute' } | { verified: false; reason: string };

/**
 * Asks the provider whether a business number belongs to this service. Twilio: the platform account's
 * IncomingPhoneNumbers must list it. Sandbox: always. An account's own Flowroute account: not looked up
 * (Flowroute refuses to send from a number the account does not own, so a wrong number fails loudly there).
 */
@Injectable()
export class NumberVerification {
  private readonly logger = new Logger(NumberVerification.name);
  private client: Twilio | null = null;

  constructor(
    @Inject(SMS_MODULE_OPTIONS) private readonly options: ResolvedSmsOptions,
    private readonly settings: SmsSettingsService,
  ) {}

  async check(accountId: string, number: string): Promise<NumberCheck> {
    if ((await this.settings.get(accountId)).provider === 'flowroute') return { verified: true, method: 'flowroute' };
    if (this.options.provider === 'sandbox') return { verified: true, method: 'sandbox' };
    if (this.options.provider !== 'twilio' || !this.options.twilio) return { verified: false, reason: `The ${this.options.provider} provider cannot confirm numbers` };
    try {
      const found = await (await this.twilio()).incomingPhoneNumbers.list({ phoneNumber: number, limit: 20 });
      if (found.some((n) => n.phoneNumber === number)) return { verified: true, method: 'twilio' };
      return { verified: false, reason: `Twilio does not list ${number} among this service's phone numbers; buy or port it into the Twilio account first, then verify it again` };
    } catch (e) {
      // The SDK's errors can carry the request's Authorization header: log the message only.
      const message = (e as Error).message;
      this.logger.warn({ accountId, error: message }, 'number verification could not reach Twilio');
      return { verified: false, reason: `Could not reach Twilio to check ${number} (${message}); verify it again later` };
    }
  }

  private async twilio(): Promise<Twilio> {
    if (!this.client) {
      const credentials = this.options.twilio!;
      const twilio = await loadTwilio();
      this.client = twilio(credentials.accountSid, credentials.authToken, { autoRetry: false, timeout: credentials.timeoutMs });
      // The REST base (a local fake in tests, a proxy in some set-ups): the `api` domain reads it on every request.
      this.client.api.baseUrl = credentials.apiUrl.replace(/\/+$/, '');
    }
    return this.client;
  }
}
