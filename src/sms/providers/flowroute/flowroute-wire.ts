import type { OutboundStatus } from '../../messages/message-status';
import { WEBHOOK_LIMITS } from '../../webhooks/webhook-limits';

// Flowroute's Messages API v2.1 as it arrives on the wire (JSON:API bodies, 11-digit NANP numbers) and how it maps
// onto ours. Pure functions: the provider, the webhooks and their specs share them.

/** The public API, and the storage host its inbound MMS links point at (Flowroute's media bucket). */
export const FLOWROUTE_DEFAULTS = {
  apiUrl: 'https://api.flowroute.com/v2.1',
  timeoutMs: 15_000,
  mediaHosts: ['s3.us-west-2.amazonaws.com'],
};

/** '+12015550123' → '12015550123'; null for anything that is not a North American (+1) number. */
export function toFlowrouteNumber(e164: string): string | null {
  return /^\+1\d{10}$/.test(e164) ? e164.slice(1) : null;
}

/** '12015550123' (or 10 digits, or already '+…') → '+12015550123'; null when it is no phone number at all. */
export function fromFlowrouteNumber(value: string): string | null {
  const digits = value.replace(/^\+/, '');
  if (!/^\d+$/.test(digits)) return null;
  if (digits.length === 10) return `+1${digits}`;
  if (digits.length >= 8 && digits.length <= 15 && !digits.startsWith('0')) return `+${digits}`;
  return null;
}

export interface FlowrouteInbound {
  /** The MDR id ('mdr2-…'): inbound messages are idempotent by it. */
  providerMessageId: string;
  from: string;
  to: string;
  body: string;
  media: { url: string; contentType: string | null; size: number | null; fileName: string | null }[];
  receivedAt: Date | null;
}

export interface FlowrouteReceipt {
  providerMessageId: string;
  level: number;
  status: string;
  statusCode: string | null;
  description: string | null;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;
}

/** A short field (an id, a number, a status): its text, or a reason when it is longer than any provider sends. */
function short(
  value: unknown,
  name: string,
  max: number = WEBHOOK_LIMITS.idCharacters,
): { value: string | null } | { reason: string } {
  const found = text(value);
  return found !== null && found.length > max
    ? { reason: `${name} is longer than ${max} characters` }
    : { value: found };
}

/** The first reason among fields, so one 400 names what is too long. */
function tooLong(...fields: Array<{ value: string | null } | { reason: string }>): string | null {
  for (const field of fields) if ('reason' in field) return field.reason;
  return null;
}

function listTooLong(value: unknown, name: string): string | null {
  return Array.isArray(value) && value.length > WEBHOOK_LIMITS.listItems
    ? `${name} has more than ${WEBHOOK_LIMITS.listItems} entries`
    : null;
}

/** An inbound SMS or MMS callback: `data.attributes` {from, to, body, is_mms}; MMS media in `included[]`. */
export function parseFlowrouteInbound(body: unknown): Parsed<FlowrouteInbound> {
  const data = isRecord(body) ? body.data : undefined;
  if (!isRecord(data) || !isRecord(data.attributes))
    return { ok: false, reason: 'An inbound message needs a JSON:API body with data.attributes' };
  const a = data.attributes;
  const mediaLinks =
    isRecord(data.relationships) && isRecord(data.relationships.media) ? data.relationships.media.data : undefined;
  const oversized =
    tooLong(
      short(data.id, 'data.id'),
      short(data.type, 'data.type'),
      short(a.from, 'from'),
      short(a.to, 'to'),
      short(a.timestamp, 'timestamp'),
    ) ??
    (typeof a.body === 'string' && a.body.length > WEBHOOK_LIMITS.textCharacters
      ? `body is longer than ${WEBHOOK_LIMITS.textCharacters} characters`
      : null) ??
    listTooLong(isRecord(body) ? body.included : undefined, 'included') ??
    listTooLong(mediaLinks, 'data.relationships.media.data');
  if (oversized) return { ok: false, reason: oversized };
  const id = text(data.id);
  if (!id) return { ok: false, reason: 'An inbound message needs data.id (the message record id)' };
  if (data.type !== undefined && data.type !== 'message')
    return { ok: false, reason: `data.type is ${String(data.type)}, not message` };
  const from = text(a.from) ? fromFlowrouteNumber(text(a.from)!) : null;
  const to = text(a.to) ? fromFlowrouteNumber(text(a.to)!) : null;
  if (!from || !to) return { ok: false, reason: 'An inbound message needs from and to phone numbers' };
  if (a.body !== undefined && a.body !== null && typeof a.body !== 'string')
    return { ok: false, reason: 'body must be text' };

  // Only media the message links to, when it says which; Flowroute sends nothing else in `included`.
  const linked =
    isRecord(data.relationships) && isRecord(data.relationships.media) && Array.isArray(data.relationships.media.data)
      ? new Set(data.relationships.media.data.filter(isRecord).map((m) => text(m.id)))
      : null;
  const included = isRecord(body) && Array.isArray(body.included) ? body.included.filter(isRecord) : [];
  const media: FlowrouteInbound['media'] = [];
  for (const item of included) {
    if (item.type !== 'media' || !isRecord(item.attributes)) continue;
    if (linked && !linked.has(text(item.id))) continue;
    const url = text(item.attributes.url);
    if (!url) return { ok: false, reason: 'Every included media item needs a url' };
    const itemTooLong = tooLong(
      short(url, 'A media url', WEBHOOK_LIMITS.urlCharacters),
      short(item.attributes.mime_type, 'A media mime_type'),
      short(item.attributes.file_name, 'A media file_name', 255),
      short(item.attributes.file_size, 'A media file_size'),
    );
    if (itemTooLong) return { ok: false, reason: itemTooLong };
    const size = Number(item.attributes.file_size);
    media.push({
      url,
      contentType: text(item.attributes.mime_type)?.toLowerCase() ?? null,
      size: Number.isFinite(size) ? size : null,
      fileName: text(item.attributes.file_name),
    });
  }
  const timestamp = text(a.timestamp) ? new Date(text(a.timestamp)!) : null;
  return {
    ok: true,
    value: {
      providerMessageId: id,
      from,
      to,
      body: typeof a.body === 'string' ? a.body : '',
      media,
      receivedAt: timestamp && !Number.isNaN(timestamp.getTime()) ? timestamp : null,
    },
  };
}

/** A delivery receipt callback: `data.type` delivery_receipt, `data.attributes` {level, status, status_code}. */
export function parseFlowrouteReceipt(body: unknown): Parsed<FlowrouteReceipt> {
  const data = isRecord(body) ? body.data : undefined;
  if (!isRecord(data) || !isRecord(data.attributes))
    return { ok: false, reason: 'A delivery receipt needs a JSON:API body with data.attributes' };
  if (data.type !== 'delivery_receipt') return { ok: false, reason: 'data.type must be delivery_receipt' };
  const oversized = tooLong(
    short(data.id, 'data.id'),
    short(data.attributes.status, 'attributes.status'),
    short(data.attributes.status_code, 'attributes.status_code'),
    short(data.attributes.level, 'attributes.level'),
    short(data.attributes.status_code_description, 'attributes.status_code_description', 500),
  );
  if (oversized) return { ok: false, reason: oversized };
  const id = text(data.id);
  const status = text(data.attributes.status);
  const level = Number(data.attributes.level);
  if (!id || !status || !Number.isInteger(level))
    return { ok: false, reason: 'A delivery receipt needs data.id, attributes.level and attributes.status' };
  return {
    ok: true,
    value: {
      providerMessageId: id,
      level,
      status,
      statusCode: text(data.attributes.status_code),
      description: text(data.attributes.status_code_description),
    },
  };
}

const FAILED = /reject|fail|undeliver|not delivered|expired|deleted|invalid|blocked/;
const DELIVERED = /deliver/;
const ON_ITS_WAY = /buffer|submit|accept|enroute|en route|sent|queued/;

/**
 * Maps a receipt onto our forward-only statuses. Level 1 is Flowroute → carrier: "delivered" there means the
 * carrier has it (`sent`), a refusal means it never left (`failed`). Level 2 is carrier → handset. null for a
 * status that says nothing we can use (it is ignored, never guessed).
 */
export function fromFlowrouteReceipt(receipt: Pick<FlowrouteReceipt, 'level' | 'status'>): OutboundStatus | null {
  const status = receipt.status.trim().toLowerCase();
  if (receipt.level <= 1) {
    if (FAILED.test(status)) return 'failed';
    return DELIVERED.test(status) || ON_ITS_WAY.test(status) ? 'sent' : null;
  }
  if (FAILED.test(status)) return 'undelivered';
  if (DELIVERED.test(status)) return 'delivered';
  return ON_ITS_WAY.test(status) ? 'sent' : null;
}

/** The first readable `detail` (or `title`) of a Flowroute error array; null when there is none. */
export function flowrouteErrorDetail(body: unknown): string | null {
  const errors = isRecord(body) && Array.isArray(body.errors) ? body.errors.filter(isRecord) : [];
  for (const e of errors) {
    const detail = text(e.detail) ?? text(e.title);
    if (detail) return detail;
  }
  return null;
}
