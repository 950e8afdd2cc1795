import { ApiProperty, ApiPropertyOptional } from '../core/api-docs';
import { IsNotEmpty, IsOptional, IsString, MaxLength, ValidateIf } from 'class-validator';
import { IsHostId } from '../core/host-id';
import type { CannedReply } from './canned-reply.entity';
import { MAX_SIGN_OFF_LENGTH } from './canned-replies.service';

export class CreateCannedReplyDto {
  @ApiProperty({ example: 'On my way' })
  @IsString()
  @IsNotEmpty({ message: 'name must not be empty' })
  @MaxLength(80)
  name!: string;

  @ApiProperty({
    example: 'Hi {{customer.firstName}}, {{technician.firstName}} is on the way for #{{ticket.number}}.',
    description: 'A template: the SMS templates variables and helpers (GET /api/sms/templates lists them)',
  })
  @IsString()
  @IsNotEmpty({ message: 'body must not be empty' })
  @MaxLength(2000)
  body!: string;

  @ApiPropertyOptional({ description: "The team whose members use it; absent or null: the account's own" })
  @IsOptional()
  @IsHostId()
  teamId?: string | null;
}

export class UpdateCannedReplyDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @IsNotEmpty({ message: 'name must not be empty' })
  @MaxLength(80)
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @IsNotEmpty({ message: 'body must not be empty' })
  @MaxLength(2000)
  body?: string;
}

export class SignOffDto {
  @ApiProperty({
    example: '- Tina',
    nullable: true,
    description: 'Added on its own line to your texts; null removes it',
  })
  @ValidateIf((o: SignOffDto) => o.signOff !== null)
  @IsString()
  @MaxLength(MAX_SIGN_OFF_LENGTH)
  signOff!: string | null;
}

export function toCannedReplyResponse(r: CannedReply) {
  return {
    id: r.id,
    name: r.name,
    body: r.body,
    teamId: r.teamId,
    scope: r.teamId ? ('team' as const) : ('account' as const),
    updatedAt: r.updatedAt,
  };
}
