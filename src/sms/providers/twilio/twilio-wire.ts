import type { InboundText } from '../../inbound/inbound.dto';
import { MAX_INBOUND_MEDIA } from '../../inbound/inbound.dto';
import type { OutboundStatus } from '../../messages/message-status';
import type { InboundMediaItem } from '../../messages/sms-message.entity';
import type { StatusCallback } from '../../webhooks/status-callbacks.service';
import { WEBHOOK_LIMITS } from '../../webhooks/webhook-limits';

// Twilio's REST API and webhooks as they arrive on the wire (flat forms with Twilio's field names, its status words)
// and how they map onto ours. Pure functions: the provider, the webhooks and their specs share them.

/** Where Twilio's webhooks are routed, below the module's `webhookBaseUrl`. */
export const TWILIO_WEBHOOK_PATH = 'webhooks/twilio';

/** The status callback Twilio posts for one outbound message; `m` carries our row id, so an early callback finds it. */
export function twilioStatusCallbackUrl(webhookBaseUrl: string, messageId: string): string {
  return `${webhookBaseUrl}/${TWILIO_WEBHOOK_PATH}/status?m=${messageId}`;
}

// Twilio wants TwiML back; an empty body shows up as error 11200 in the customer's Twilio console.
export const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

const TWILIO_STATUS: Record<string, OutboundStatus> = {
  accepted: 'accepted',
  scheduled: 'accepted',
  queued: 'queued',
  sending: 'sending',
  sent: 'sent',
  delivered: 'delivered',
  read: 'delivered',
  undelivered: 'undelivered',
  failed: 'failed',
  canceled: 'failed',
};

/** Maps a Twilio MessageStatus onto ours; null for statuses that say nothing about an outbound message. */
export function fromTwilioStatus(status: string): OutboundStatus | null {
  return TWILIO_STATUS[status.toLowerCase()] ?? null;
}

/** A status callback's form (MessageSid, MessageStatus, ErrorCode), or null when it lacks a sid or a known status. */
export function parseTwilioStatusCallback(
  body: Record<string, unknown>,
  messageId: string | undefined,
): StatusCallback | null {
  const sid =
    typeof body.MessageSid === 'string' ? body.MessageSid : typeof body.SmsSid === 'string' ? body.SmsSid : null;
  const raw =
    typeof body.MessageStatus === 'string'
      ? body.MessageStatus
      : typeof body.SmsStatus === 'string'
        ? body.SmsStatus
        : null;
  const status = raw ? fromTwilioStatus(raw) : null;
  if (!sid || !status || sid.length > WEBHOOK_LIMITS.idCharacters) return null;
  const errorCode =
    typeof body.ErrorCode === 'string' && body.ErrorCode !== ''
      ? body.ErrorCode.slice(0, WEBHOOK_LIMITS.idCharacters)
      : null;
  return { provider: 'twilio', providerMessageId: sid, messageId, status, errorCode };
}

const MAX_BODY = WEBHOOK_LIMITS.textCharacters;
const SID = /^[A-Z]{2}[0-9a-fA-F]{32}$/;
// Short codes and alphanumeric senders are possible; anything longer or stranger is not a phone number.
const SENDER = /^\+?[0-9A-Za-z]{2,20}$/;

function single(body: Record<string, unknown>, name: string, problems: string[]): string | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    problems.push(`${name} must be sent once`);
    return undefined;
  }
  return value;
}

/** Reads Twilio's inbound form fields; every problem is listed, so a 400 says all that is wrong at once. */
export function parseTwilioInbound(form: unknown): { ok: true; text: InboundText } | { ok: false; problems: string[] } {
  // No body parser ran (another content type, or no body at all): there are no fields to read.
  if (typeof form !== 'object' || form === null)
    return { ok: false, problems: ['the body must be form-encoded (application/x-www-form-urlencoded)'] };
  const body = form as Record<string, unknown>;
  const problems: string[] = [];
  const sid = single(body, 'MessageSid', problems) ?? single(body, 'SmsMessageSid', problems);
  const from = single(body, 'From', problems);
  const to = single(body, 'To', problems);
  const text = single(body, 'Body', problems) ?? '';
  const numMedia = single(body, 'NumMedia', problems) ?? '0';
  const numSegments = single(body, 'NumSegments', problems);

  if (!sid || !SID.test(sid)) problems.push('MessageSid must be a Twilio message sid (two letters and 32 hex digits)');
  if (!from || !SENDER.test(from)) problems.push('From must be the sender phone number');
  // A To no account owns (a short code, say) is routed, and kept as unroutable, not refused.
  if (!to || !SENDER.test(to)) problems.push('To must be a phone number');
  if (text.length > MAX_BODY) problems.push(`Body must be at most ${MAX_BODY} characters`);
  if (!/^\d{1,2}$/.test(numMedia) || Number(numMedia) > MAX_INBOUND_MEDIA)
    problems.push(`NumMedia must be a whole number from 0 to ${MAX_INBOUND_MEDIA}`);
  if (numSegments !== undefined && !/^\d{1,3}$/.test(numSegments)) problems.push('NumSegments must be a whole number');

  const media: InboundMediaItem[] = [];
  if (problems.length === 0) {
    for (let i = 0; i < Number(numMedia); i++) {
      const url = single(body, `MediaUrl${i}`, problems);
      if (!url) problems.push(`MediaUrl${i} is missing although NumMedia is ${numMedia}`);
      else if (url.length > WEBHOOK_LIMITS.urlCharacters) problems.push(`MediaUrl${i} is too long`);
      media.push({
        url: url ?? null,
        contentType: single(body, `MediaContentType${i}`, problems)?.slice(0, 200) ?? null,
      });
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    text: {
      provider: 'twilio',
      providerMessageId: sid!,
      from: from!,
      to: to!,
      body: text,
      segments: numSegments ? Number(numSegments) : undefined,
      media,
    },
  };
}
