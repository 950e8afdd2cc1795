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

/** The most media items one inbound MMS may carry (Twilio's limit, the largest of the providers'). */
export const MAX_INBOUND_MEDIA = 10;
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

/** A ticket a text in triage could move to: when it last changed, to pick the live one. */
function candidateTicketResponse(t: TicketSummary) {
  return { id: t.id, number: t.number, subject: t.subject, status: t.status, updatedAt: t.updatedAt };
}

/** A text a person should look at, with why, its media and the customer's open tickets to move it to. */
export function toTriageItemResponse(m: SmsMessage, media: SmsMedia[], candidates: TicketSummary[]) {
  const why = m.status === 'failed' ? 'failed' : m.matchGuess ? 'guess' : 'unmatched';
  return {
    ...toSmsMessageResponse(m),
    why,
    media: media.map(toMediaResponse),
    candidates: candidates.map(candidateTicketResponse),
  };
}
