import type { OutboundStatus } from '../messages/message-status';

export interface OutboundSms {
  messageId: string;
  accountId: string;
  to: string;
  from: string;
  body: string;
  mediaUrls?: string[];
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
    /** The recipient has opted out at the provider. */
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

/** Whether a number is on the provider account; `final: false` when the provider could not be asked (try again later). */
export type NumberOwnership = { owned: true } | { owned: false; final: boolean; reason: string };

/**
 * One SMS provider. It alone knows its wire format: its requests, its status words, the callback URLs it hands out.
 * `send` throws one of the three errors above; anything else counts as ambiguous.
 */
export interface SmsProvider {
  readonly name: string;
  /** Hands the message over; the provider tells its own status callbacks where to go (they carry `messageId`). */
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
  /** Whether the provider account has `e164` (the proof a business number may send from it); absent: it cannot say. */
  ownsNumber?(e164: string): Promise<NumberOwnership>;
}

export const SMS_PROVIDER = Symbol('SMS_PROVIDER');

/** Providers an account brings itself (its own account, paid directly): their texts spend no credits. */
export const ACCOUNT_OWN_PROVIDERS: ReadonlySet<string> = new Set(['flowroute']);
