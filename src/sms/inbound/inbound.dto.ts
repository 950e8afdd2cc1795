import { ApiProperty, ApiPropertyOptional } from '../core/api-docs';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBase64,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { IsHostId } from '../core/host-id';
import type { SmsMedia } from '../media/sms-media.entity';
import type { InboundMediaItem, SmsMessage } from '../messages/sms-message.entity';
import { toSmsMessageResponse } from '../messages/sms-message.dto';
import type { TicketSummary } from '../ports/ticket-gateway.port';
import { WEBHOOK_LIMITS } from '../webhooks/webhook-limits';

/** An inbound text as any provider delivers it; what the receiver stores and enqueues. */
export interface InboundText {
  provider: string;
  providerMessageId: string;
  /** The customer's phone. */
  from: string;
  /** The business number. */
  to: string;
  body: string;
  segments?: number;
  media: InboundMediaItem[];
  /** Fixed in advance when files are stored under the message id before the row exists (sandbox uploads). */
  messageId?: string;
}

// Twilio allows 10 media per message and 1,600 characters; a little slack on the text for providers that count differently.
export const MAX_INBOUND_MEDIA = 10;
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

export class MoveReplyDto {
  @ApiProperty({ description: 'A ticket of the customer who sent the text' })
  @IsHostId()
  ticketId!: string;
}

export class SandboxMediaDto {
  @ApiProperty({
    example: 'image/jpeg',
    description: 'As a phone would declare it; the type is still read from the bytes',
  })
  @IsString()
  @MaxLength(100)
  @Matches(/^[\w.+-]+\/[\w.+-]+$/, { message: 'contentType must look like type/subtype' })
  contentType!: string;

  @ApiProperty({ description: 'The file, base64-encoded' })
  @IsBase64()
  base64!: string;
}

export class SandboxInboundDto {
  @ApiProperty({
    example: '(201) 555-0123',
    description: "The customer's phone; national formats read in the account's country",
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(40)
  from!: string;

  @ApiProperty({ example: '+12025550100', description: "One of the account's SMS numbers" })
  @IsString()
  @IsNotEmpty()
  @MaxLength(40)
  to!: string;

  @ApiPropertyOptional({ example: 'Still broken, photo attached', default: '' })
  @IsOptional()
  @IsString()
  @MaxLength(1600)
  body?: string;

  @ApiPropertyOptional({ type: [SandboxMediaDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_INBOUND_MEDIA)
  @ValidateNested({ each: true })
  @Type(() => SandboxMediaDto)
  media?: SandboxMediaDto[];
}

export function toMediaResponse(m: SmsMedia) {
  return {
    position: m.position,
    status: m.status,
    contentType: m.contentType,
    declaredContentType: m.declaredContentType,
    size: m.size,
    width: m.width,
    height: m.height,
    rejectionReason: m.rejectionReason,
    rejectionDetail: m.rejectionDetail,
  };
}

function ticketResponse(t: TicketSummary) {
  return { id: t.id, number: t.number, subject: t.subject, status: t.status, updatedAt: t.updatedAt };
}

/** A text a person should look at, with why, its media and the customer's open tickets to move it to. */
export function toTriageItemResponse(m: SmsMessage, media: SmsMedia[], candidates: TicketSummary[]) {
  const why = m.status === 'failed' ? 'failed' : m.matchGuess ? 'guess' : 'unmatched';
  return {
    ...toSmsMessageResponse(m),
    why,
    media: media.map(toMediaResponse),
    candidates: candidates.map(ticketResponse),
  };
}
