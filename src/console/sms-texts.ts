import type { SmsMessagesService } from '../sms';
import { localTime } from './console-views';

type SmsMessage = Awaited<ReturnType<SmsMessagesService['get']>>;

type Row = Pick<
  SmsMessage,
  | 'id'
  | 'sendId'
  | 'partIndex'
  | 'partCount'
  | 'direction'
  | 'kind'
  | 'body'
  | 'status'
  | 'createdByUserId'
  | 'createdAt'
  | 'sendAt'
  | 'errorMessage'
  | 'credits'
  | 'segments'
  | 'fromNumber'
  | 'toNumber'
  | 'commentId'
  | 'matchGuess'
  | 'matchRule'
>;

/** Statuses a text does not leave. */
export const FINAL = new Set(['delivered', 'undelivered', 'failed', 'opted_out', 'skipped', 'processed']);

// How far a text has got; a split text is as far as its least advanced part.
const PROGRESS = [
  'held_no_credit',
  'scheduled',
  'pending',
  'submitting',
  'accepted',
  'queued',
  'sending',
  'sent',
  'delivered',
  'received',
  'processed',
];
const TROUBLE = ['failed', 'undelivered', 'opted_out', 'skipped'];

/** A split text's part without the " (2/3)" that split mode adds for the customer's phone. */
function withoutMarker(part: Row): string {
  const marker = `(${part.partIndex}/${part.partCount})`;
  return part.partCount > 1 && part.body.endsWith(marker) ? part.body.slice(0, -marker.length) : part.body;
}

/** One text as a person sent or got it: the rows of a split text (one per part) joined, with one status. */
export function groupTexts<T extends Row>(rows: T[]) {
  const bySend = new Map<string, T[]>();
  for (const row of rows) bySend.set(row.sendId, [...(bySend.get(row.sendId) ?? []), row]);
  return [...bySend.values()].map((parts) => {
    parts.sort((a, b) => a.partIndex - b.partIndex);
    const first = parts[0];
    const trouble = parts.find((p) => TROUBLE.includes(p.status));
    const status =
      trouble?.status ??
      parts.map((p) => p.status).sort((a, b) => PROGRESS.indexOf(a) - PROGRESS.indexOf(b))[0] ??
      first.status;
    return {
      id: first.id,
      sendId: first.sendId,
      direction: first.direction,
      kind: first.kind,
      body: parts.map(withoutMarker).join('').trimEnd(),
      parts: parts.length,
      split: parts.length > 1,
      status,
      reason: trouble?.errorMessage ?? parts.find((p) => p.errorMessage)?.errorMessage ?? null,
      credits: parts.reduce((sum, p) => sum + p.credits, 0),
      segments: parts.reduce((sum, p) => sum + p.segments, 0),
      createdByUserId: first.createdByUserId,
      createdAt: first.createdAt,
      sendAt: first.sendAt,
      commentId: first.commentId,
      matchGuess: first.matchGuess,
      matchRule: first.matchRule,
      inbound: first.direction === 'inbound',
      /** The account's number it went from or came to; the customer's phone. */
      businessNumber: first.direction === 'inbound' ? first.toNumber : first.fromNumber,
      contactPhone: first.direction === 'inbound' ? first.fromNumber : first.toNumber,
    };
  });
}

/** Who wrote an outbound text, as a person reads it: a technician's name, or what sent it automatically. */
export function authorOf(
  message: { direction: string; kind: string; createdByUserId: string | null },
  names: Map<string, string>,
): { label: string; automatic: boolean } | null {
  if (message.direction !== 'outbound') return null;
  if (message.kind === 'after_hours') return { label: 'Automatic after-hours reply', automatic: true };
  if (message.createdByUserId)
    return { label: names.get(message.createdByUserId) ?? 'A former user', automatic: false };
  return { label: `Automatic (${message.kind.replace(/_/g, ' ')})`, automatic: true };
}

/** A text's status as a sentence fragment: "scheduled for Monday 09:00", "held: waiting for credits", "delivered". */
export function statusLabel(text: { status: string; sendAt: Date | null }, zone: string, now: Date): string {
  if (text.status === 'scheduled' && text.sendAt) return `scheduled for ${localTime(text.sendAt, zone, now)}`;
  if (text.status === 'held_no_credit') return 'held: waiting for credits';
  return text.status.replace(/_/g, ' ');
}
