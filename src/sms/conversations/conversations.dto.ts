import { ApiProperty, ApiPropertyOptional } from '../core/api-docs';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { IsHostId } from '../core/host-id';
import { toSmsMessageResponse } from '../messages/sms-message.dto';
import type { SmsMessage } from '../messages/sms-message.entity';
import type { SmsNumber } from '../numbers/sms-number.entity';
import type { TicketSummary } from '../ports/ticket-gateway.port';
import type { SmsConversation } from './sms-conversation.entity';

const booleanQuery = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class ConversationListQueryDto {
  @ApiPropertyOptional({ description: 'Only conversations of this SMS number' })
  @IsOptional()
  @IsUUID()
  numberId?: string;

  @ApiPropertyOptional({
    enum: ['claimed', 'unclaimed'],
    description: 'claimed: someone holds it now; unclaimed: nobody does',
  })
  @IsOptional()
  @IsIn(['claimed', 'unclaimed'], { message: 'status must be claimed or unclaimed' })
  status?: 'claimed' | 'unclaimed';

  @ApiPropertyOptional({ description: 'Only those the caller holds' })
  @IsOptional()
  @Transform(booleanQuery)
  @IsBoolean({ message: 'claimedByMe must be true or false' })
  claimedByMe?: boolean;

  @ApiPropertyOptional({ description: 'Only those whose contact waits for an answer' })
  @IsOptional()
  @Transform(booleanQuery)
  @IsBoolean({ message: 'unanswered must be true or false' })
  unanswered?: boolean;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? Number(value) : value))
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ minimum: 0, default: 0 })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? Number(value) : value))
  @IsInt()
  @Min(0)
  offset?: number;
}

export class ConversationReplyDto {
  @ApiPropertyOptional({ example: 'On my way, be there by 3.', description: 'The text; or give cannedReplyId' })
  @ValidateIf((o: ConversationReplyDto) => o.cannedReplyId === undefined)
  @IsString()
  @IsNotEmpty({ message: 'body must not be empty (or give cannedReplyId)' })
  @MaxLength(5000)
  body?: string;

  @ApiPropertyOptional({
    description: 'Send this canned reply (GET /api/sms/canned-replies), rendered for the conversation, instead of body',
  })
  @IsOptional()
  @IsUUID()
  cannedReplyId?: string;

  @ApiPropertyOptional({
    description: 'false leaves your sign-off (PUT /api/sms/sign-off) off this text',
    default: true,
  })
  @IsOptional()
  @IsBoolean()
  signOff?: boolean;

  @ApiPropertyOptional({
    description: "Link the reply to this ticket of the contact's (default: the ticket the conversation is about)",
  })
  @IsOptional()
  @IsHostId()
  ticketId?: string;

  @ApiPropertyOptional({
    description: 'Send at once even outside business hours (admins; technicians when an admin allows it)',
  })
  @IsOptional()
  @IsBoolean()
  sendNow?: boolean;

  @ApiPropertyOptional({
    description: 'Admins: take over a conversation another member holds (their claim ends) instead of being refused',
  })
  @IsOptional()
  @IsBoolean()
  takeOver?: boolean;
}

export class ComposeDto extends ConversationReplyDto {
  @ApiProperty({
    example: '+12025550143',
    description: "The contact's phone: E.164, or national in the account's country",
  })
  @IsString()
  @IsNotEmpty({ message: 'to must not be empty' })
  @MaxLength(40)
  to!: string;

  @ApiPropertyOptional({
    description:
      'The number to text from, among those you may use (GET /api/sms/numbers/mine); default: as a ticket text would choose',
  })
  @IsOptional()
  @IsUUID()
  fromNumberId?: string;
}

export class DraftDto {
  @ApiPropertyOptional({ description: 'Typed text to preview; or give cannedReplyId' })
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  body?: string;

  @ApiPropertyOptional({ description: 'A canned reply to render for this conversation' })
  @IsOptional()
  @IsUUID()
  cannedReplyId?: string;

  @ApiPropertyOptional({ description: "Link to this ticket of the contact's (default: the conversation's)" })
  @IsOptional()
  @IsHostId()
  ticketId?: string;

  @ApiPropertyOptional({ description: 'false leaves your sign-off off', default: true })
  @IsOptional()
  @IsBoolean()
  signOff?: boolean;
}

export class ConversationTransferDto {
  @ApiProperty({ description: "Another member of the conversation's number" })
  @IsHostId()
  userId!: string;
}

export interface ConversationView {
  conversation: SmsConversation;
  number: SmsNumber | null;
  holderName: string | null;
  now: Date;
}

export function toConversationResponse({ conversation: c, number, holderName, now }: ConversationView) {
  const live = c.claimedByUserId !== null && c.claimExpiresAt !== null && c.claimExpiresAt.getTime() > now.getTime();
  return {
    id: c.id,
    number: number
      ? {
          id: number.id,
          number: number.number,
          label: number.label,
          kind: number.kind,
          historyVisibility: number.historyVisibility,
        }
      : null,
    businessNumber: c.businessNumber,
    contactPhone: c.contactPhone,
    /** `claimed` while someone holds it. */
    status: live ? ('claimed' as const) : ('unclaimed' as const),
    claim: live ? { userId: c.claimedByUserId, name: holderName, expiresAt: c.claimExpiresAt } : null,
    /** The contact waits for a person's answer since this instant. */
    unanswered: c.waitingSince !== null,
    waitingSince: c.waitingSince,
    lastActivityAt: c.lastActivityAt,
    lastInboundAt: c.lastInboundAt,
    lastReplyAt: c.lastReplyAt,
    lastReplyByUserId: c.lastReplyByUserId,
    ticketId: c.lastOutboundTicketId,
    routedTeamIds: c.routedTeamIds,
    createdAt: c.createdAt,
  };
}

/** A ticket as a thread shows it: which customer it belongs to, to tell the contact's tickets apart. */
function threadTicketResponse(t: TicketSummary) {
  return { id: t.id, number: t.number, subject: t.subject, status: t.status, customerId: t.customerId };
}

export function toConversationDetailResponse(
  view: ConversationView,
  messages: SmsMessage[],
  tickets: TicketSummary[],
  historyHidden: boolean,
) {
  const byId = new Map(tickets.map((t) => [t.id, t]));
  return {
    ...toConversationResponse(view),
    /** true when `handler` visibility hides this thread's earlier texts from the caller (they never handled it). */
    historyHidden,
    tickets: tickets.map(threadTicketResponse),
    messages: messages.map((m) => {
      const ticket = m.ticketId ? byId.get(m.ticketId) : undefined;
      return { ...toSmsMessageResponse(m), ticket: ticket ? threadTicketResponse(ticket) : null };
    }),
  };
}
