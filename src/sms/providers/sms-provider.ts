import type { OutboundStatus } from '../messages/message-status';

export interface OutboundSms {
  messageId: string;
  accountId: string;
  to: string;
  from: string;
  body: string;
  mediaUrls?: string[];
  /** Where the provider posts status changes; carries the message id so an early callback still finds its row. */
  statusCallbackUrl: string;
}

/** The provider took the message: it will (or did) go out. */
export interface SendAccepted {
  providerMessageId: string;
  status: OutboundStatus;
  segments: number | null;
}

/** The provider refused the message, and the refusal proves nothing was sent. */
export class SendRefusedError extends Error {
  constructor(
    message: string,
    readonly code: string,
    /** The recipient has opted out at the provider (Twilio 21610). */
    readonly optedOut = false,
  ) {
    super(message);
  }
}

/** Nothing was sent (429, refused connection): safe to try again later. */
export class SendRetryableError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
  ) {
    super(message);
  }
}

/** The message may or may not have gone out (timeout, 5xx): look it up before sending again. */
export class SendAmbiguousError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
  ) {
    super(message);
  }
}

/** How fast one provider account may be sent to: the send pipeline waits for a slot of `key` before each send. */
export interface ProviderRateLimit {
  /** Shared by every sender to the same provider account (across accounts and worker processes). */
  key: string;
  perSecond: number;
}

/** One SMS provider. `send` throws one of the three errors above; anything else counts as ambiguous. */
export interface SmsProvider {
  readonly name: string;
  send(message: OutboundSms): Promise<SendAccepted>;
  /**
   * Looks for a message this service already handed over (after an ambiguous failure): null when none was sent.
   * `isTaken` says a candidate is already another row's message: the same text can go to the same number twice.
   */
  findSent(
    message: OutboundSms,
    since: Date,
    isTaken?: (providerMessageId: string) => Promise<boolean>,
  ): Promise<SendAccepted | null>;
  /** The provider's own sending rate limit for this message, if it has one (Flowroute: 5 SMS/s, 1 MMS/s per account). */
  rateLimit?(message: OutboundSms): ProviderRateLimit | null;
}

export const SMS_PROVIDER = Symbol('SMS_PROVIDER');

/** Providers an account brings itself (its own account, paid directly): their texts spend no credits. */
export const ACCOUNT_OWN_PROVIDERS: ReadonlySet<string> = new Set(['flowroute']);
