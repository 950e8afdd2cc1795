import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import type { Attachment } from './attachment.entity';
import type { Comment } from './comment.entity';
import type { Ticket } from './ticket.entity';
import { TICKET_STATUSES, TicketStatus } from './ticket.entity';

export class CreateTicketDto {
  @ApiProperty()
  @IsUUID()
  customerId!: string;

  @ApiProperty({ example: 'Printer offline' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  subject!: string;

  @ApiProperty({ example: 'The office printer shows "offline" since this morning.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(10000)
  problem!: string;
}

export class TicketUpdateDto {
  @ApiPropertyOptional({ description: 'Text of the comment (email channel)' })
  @IsOptional()
  @IsString()
  @MaxLength(20000)
  emailBody?: string;

  @ApiPropertyOptional({ description: 'Text sent to the customer by SMS; empty sends nothing' })
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  smsBody?: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  public?: boolean;

  @ApiPropertyOptional({ enum: TICKET_STATUSES })
  @IsOptional()
  @IsIn(TICKET_STATUSES)
  status?: TicketStatus;

  @ApiPropertyOptional({
    description: 'Send the SMS text at once even outside business hours (admins; technicians when an admin allows it)',
  })
  @IsOptional()
  @IsBoolean()
  sendNow?: boolean;

  @ApiPropertyOptional({
    description:
      "The SMS number to text from, among those you may use (GET /api/sms/numbers/mine); default: the customer's conversation's number, else your direct number, else the account's default",
  })
  @IsOptional()
  @IsUUID()
  fromNumberId?: string;

  @ApiPropertyOptional({
    description:
      "Admins: take over the customer's team or shared SMS thread another member holds (their claim ends) instead of being refused with 409",
  })
  @IsOptional()
  @IsBoolean()
  takeOver?: boolean;
}

export function toAttachmentResponse(a: Attachment) {
  return {
    id: a.id,
    fileName: a.fileName,
    contentType: a.contentType,
    size: a.size,
    public: a.public,
    url: `/api/attachments/${a.id}`,
    thumbnailUrl: a.thumbnailKey ? `/api/attachments/${a.id}/thumbnail` : null,
  };
}

export function toCommentResponse(c: Comment, attachments: Attachment[] = []) {
  return {
    id: c.id,
    author: { type: c.authorType, userId: c.authorUserId, customerId: c.authorCustomerId },
    body: c.body,
    smsBody: c.smsBody,
    public: c.public,
    createdAt: c.createdAt,
    attachments: attachments.filter((a) => a.commentId === c.id).map(toAttachmentResponse),
  };
}

export function toTicketResponse(t: Ticket) {
  return {
    id: t.id,
    number: t.number,
    customerId: t.customerId,
    subject: t.subject,
    problem: t.problem,
    status: t.status,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
}
