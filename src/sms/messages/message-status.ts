/**
 * Outbound lifecycle. Before the hand-off the row waits (`pending`, `scheduled`, `held_no_credit`);
 * `submitting` marks the hand-off itself, so a crash mid-call is reconciled before any resend;
 * after it the provider's statuses only move forward.
 */
export const OUTBOUND_STATUSES = [
  'pending',
  'scheduled',
  'held_no_credit',
  'submitting',
  'accepted',
  'queued',
  'sending',
  'sent',
  'delivered',
  'undelivered',
  'failed',
  'opted_out',
  'skipped',
] as const;
export type OutboundStatus = (typeof OUTBOUND_STATUSES)[number];
/**
 * A text to a number no account owns never becomes a row here (see sms_unroutable_messages); `failed`: processing gave
 * up after every retry.
 */
export const INBOUND_STATUSES = ['received', 'processed', 'failed'] as const;
export type InboundStatus = (typeof INBOUND_STATUSES)[number];
export type MessageStatus = OutboundStatus | InboundStatus;

const RANK: Record<OutboundStatus, number> = {
  pending: 0,
  scheduled: 0,
  held_no_credit: 0,
  submitting: 1,
  accepted: 2,
  queued: 2,
  sending: 3,
  sent: 4,
  delivered: 5,
  undelivered: 5,
  failed: 5,
  opted_out: 5,
  skipped: 5,
};

/** Statuses waiting for the send job; the outbox sweep looks for these. */
export const WAITING_STATUSES: OutboundStatus[] = ['pending', 'scheduled', 'held_no_credit'];

/** Statuses strictly below `status`: a callback may only replace one of these (callbacks arrive out of order). */
export function statusesBelow(status: OutboundStatus): OutboundStatus[] {
  return OUTBOUND_STATUSES.filter((s) => RANK[s] < RANK[status]);
}
