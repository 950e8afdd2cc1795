import { Logger } from '@nestjs/common';
import type { Twilio } from 'twilio';
import type { MessageInstance } from 'twilio/lib/rest/api/v2010/account/message';
import type { TwilioCredentials } from './twilio-options';
import {
  OutboundSms,
  SendAccepted,
  SendAmbiguousError,
  SendRefusedError,
  NumberOwnership,
  SendRetryableError,
  SmsProvider,
} from '../sms-provider';
import { loadTwilio } from './twilio-sdk';
import { TwilioMessagesClient } from './twilio-rest';
import { fromTwilioStatus, twilioStatusCallbackUrl } from './twilio-wire';

/** A REST client that sends every call to `apiUrl` instead of *.twilio.com (a local fake in tests, a proxy in some setups). */
async function createClient(credentials: Required<TwilioCredentials>): Promise<Twilio> {
  const twilio = await loadTwilio();
  type RequestOptions = Parameters<InstanceType<typeof twilio.RequestClient>['request']>[0];
  type Response = Awaited<ReturnType<InstanceType<typeof twilio.RequestClient>['request']>>;
  class RebasedRequestClient extends twilio.RequestClient {
    constructor(
      private readonly apiUrl: string,
      timeout: number,
    ) {
      super({ timeout, autoRetry: false });
    }

    override request<TData>(opts: RequestOptions): Promise<Response & { body: TData }> {
      const uri = opts.uri.replace(/^https:\/\/[a-z0-9.-]*twilio\.com/i, this.apiUrl);
      return super.request({ ...opts, uri }) as Promise<Response & { body: TData }>;
    }
  }
  return twilio(credentials.accountSid, credentials.authToken, {
    httpClient: new RebasedRequestClient(credentials.apiUrl, credentials.timeoutMs),
    autoRetry: false,
  });
}

/** The part of twilio-node's Page that a lookup reads. */
interface MessageListPage {
  instances: MessageInstance[];
  nextPage(): Promise<MessageListPage> | undefined;
}

interface TwilioError {
  status?: number;
  code?: number | string;
  message?: string;
}

// Twilio errors that prove the message was refused before sending; anything else 4xx is treated the same.
const OPTED_OUT = 21610;
const TOO_MANY_REQUESTS = 20429;
const NOT_SENT_NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET_BEFORE_SEND']);
// A lookup after an ambiguous send reads at most this many of the number's newest messages.
const LOOKUP_PAGE_SIZE = 50;
const LOOKUP_PAGES = 20;

export class TwilioProvider implements SmsProvider {
  readonly name = 'twilio';
  private readonly logger = new Logger(TwilioProvider.name);
  private clientPromise: Promise<Twilio> | null = null;
  /** The send path's own client: a create per text, without the SDK's cost per request. */
  private messagesClient: TwilioMessagesClient | null = null;

  constructor(
    private readonly credentials: Required<TwilioCredentials>,
    /** The module's `webhookBaseUrl`: status callbacks come back below it. */
    private readonly webhookBaseUrl: string,
  ) {}

  /** Created on the first call, so a process that never sends does not load the SDK. */
  private client(): Promise<Twilio> {
    this.clientPromise ??= createClient(this.credentials);
    return this.clientPromise;
  }

  async send(message: OutboundSms): Promise<SendAccepted> {
    try {
      this.messagesClient ??= new TwilioMessagesClient(this.credentials);
      const sent = await this.messagesClient.createMessage({
        To: message.to,
        From: message.from,
        Body: message.body,
        MediaUrl: message.mediaUrls,
        StatusCallback: twilioStatusCallbackUrl(this.webhookBaseUrl, message.messageId),
      });
      return {
        providerMessageId: sent.sid,
        status: fromTwilioStatus(sent.status) ?? 'accepted',
        segments: sent.num_segments ? Number(sent.num_segments) : null,
      };
    } catch (e) {
      throw this.classify(e as TwilioError & { code?: string | number });
    }
  }

  async findSent(
    message: OutboundSms,
    since: Date,
    isTaken?: (providerMessageId: string) => Promise<boolean>,
  ): Promise<SendAccepted | null> {
    const found = await this.findUntaken(message, since.getTime() - 60_000, isTaken);
    if (!found) return null;
    this.logger.log(
      { messageId: message.messageId, sid: found.sid },
      'found an earlier send at Twilio; not sending again',
    );
    return {
      providerMessageId: found.sid,
      status: fromTwilioStatus(found.status) ?? 'accepted',
      segments: found.numSegments ? Number(found.numSegments) : null,
    };
  }

  /** Whether the platform's Twilio account lists the number among its IncomingPhoneNumbers. */
  async ownsNumber(e164: string): Promise<NumberOwnership> {
    try {
      const found = await (await this.client()).incomingPhoneNumbers.list({ phoneNumber: e164, limit: 20 });
      if (found.some((n) => n.phoneNumber === e164)) return { owned: true };
      return {
        owned: false,
        final: true,
        reason: `Twilio does not list ${e164} among this service's phone numbers; buy or port it into the Twilio account first, then verify it again`,
      };
    } catch (e) {
      // The SDK's errors can carry the request's Authorization header: only the message goes on.
      const message = (e as Error).message;
      return {
        owned: false,
        final: false,
        reason: `Could not reach Twilio to check ${e164} (${message}); verify it again later`,
      };
    }
  }

  /**
   * The newest message with this text to this number created since `oldest` that no other row owns. Pages until a
   * whole page is older than that: a customer may have had many texts since (never only the first 50).
   */
  private async findUntaken(
    message: OutboundSms,
    oldest: number,
    isTaken?: (providerMessageId: string) => Promise<boolean>,
  ): Promise<MessageInstance | null> {
    // Not filtered by DateSent: it stays empty until the carrier has the message. Newest come first.
    let page: MessageListPage | undefined = await (
      await this.client()
    ).messages.page({
      to: message.to,
      from: message.from,
      pageSize: LOOKUP_PAGE_SIZE,
    });
    for (let pages = 0; page && pages < LOOKUP_PAGES; pages++) {
      for (const m of page.instances) {
        if (m.body === message.body && m.dateCreated.getTime() >= oldest && !(await isTaken?.(m.sid))) return m;
      }
      if (page.instances.every((m) => m.dateCreated.getTime() < oldest)) return null;
      page = await page.nextPage();
    }
    return null;
  }

  private classify(e: TwilioError): Error {
    const status = typeof e.status === 'number' ? e.status : undefined;
    const code = e.code === undefined ? null : String(e.code);
    const text = e.message ?? 'Twilio request failed';
    if (status === 429 || Number(code) === TOO_MANY_REQUESTS) return new SendRetryableError(text, code);
    if (status !== undefined && status >= 400 && status < 500) {
      return new SendRefusedError(text, code ?? String(status), Number(code) === OPTED_OUT);
    }
    if (status === undefined && code !== null && NOT_SENT_NETWORK_CODES.has(code))
      return new SendRetryableError(text, code);
    return new SendAmbiguousError(text, code ?? (status ? String(status) : null));
  }
}
