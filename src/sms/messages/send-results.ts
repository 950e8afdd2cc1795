import type { OutboundSms, SendAccepted, SmsProvider } from '../providers/sms-provider';
import type { SmsNumber } from '../numbers/sms-number.entity';
import type { SmsSettings } from '../settings/sms-settings.entity';
import type { OutboundStatus } from './message-status';
import type { SmsMessage } from './sms-message.entity';

/** A message row as the send job reads it, with the answers its gates need (`SendPipeline.loadMany`). */
export interface LoadedMessage {
  row: SmsMessage;
  /** Whether the row's `to` number opted out of the account's texts (STOP). */
  optedOut: boolean;
  /** The account's number the row goes from; null when it is not (or no longer) one of the account's numbers. */
  sender: SmsNumber | null;
  settings: SmsSettings;
  /** The part before this one of a split text; null for a first part (or a part whose predecessor is gone). */
  previousPart: { status: OutboundStatus; providerMessageId: string | null } | null;
}

/** A row past its gates, about to be claimed and handed to `provider`. */
export interface Ready {
  row: SmsMessage;
  provider: SmsProvider;
}

/** A row the provider took. */
export interface Accepted extends Ready {
  accepted: SendAccepted;
}

/** `held`: waits for credits; `waiting`: a later part of a split text waits for the part before it to be accepted. */
export type SendOutcome = 'sent' | 'already-done' | 'refused' | 'reconciled' | 'held' | 'waiting';

/**
 * What one send job ends with: an outcome; a wait before it runs again without using an attempt (`delayMs`: a
 * scheduled text while the account is closed); or the error its job throws (retried with backoff; `SendThrottledError`:
 * delayed to the provider account's next slot).
 */
export type SendResult = { outcome: SendOutcome } | { delayMs: number } | { error: unknown };

/** A row as the provider interface takes it. */
export function toOutboundSms(row: SmsMessage): OutboundSms {
  return { messageId: row.id, accountId: row.accountId, to: row.toNumber!, from: row.fromNumber!, body: row.body };
}

/** A job for a row whose hand-over is still under way in this process: it tries again later (job backoff). */
export class StillHandingOverError extends Error {
  constructor(messageId: string) {
    super(`message ${messageId} is still being handed to the provider by an earlier attempt; trying again later`);
    this.name = 'StillHandingOverError';
  }
}
