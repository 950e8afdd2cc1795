import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength, ValidateIf } from 'class-validator';
import { SMS_NUMBER_KINDS, SmsNumberKind } from './sms-number.entity';
import type { SmsNumber } from './sms-number.entity';

export class CreateSmsNumberDto {
  @ApiProperty({ example: '+15550100199', description: 'With its country code' })
  @IsString()
  @IsNotEmpty()
  number!: string;

  @ApiProperty({ example: 'Front desk' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(80)
  label!: string;
}

/** Kind and assignment; fields left out keep their value, and a kind change clears what no longer applies. */
export class UpdateSmsNumberDto {
  @ApiPropertyOptional({ enum: SMS_NUMBER_KINDS, description: 'direct: one user; group: one team; shared: the whole account' })
  @IsOptional()
  @IsIn(SMS_NUMBER_KINDS)
  kind?: SmsNumberKind;

  @ApiPropertyOptional({ nullable: true, description: 'The user of a direct number' })
  @IsOptional()
  @IsUUID()
  userId?: string | null;

  @ApiPropertyOptional({ nullable: true, description: 'The team of a group number' })
  @IsOptional()
  @IsUUID()
  teamId?: string | null;

  @ApiPropertyOptional({ example: 'Front desk' })
  @ValidateIf((o: UpdateSmsNumberDto) => o.label !== undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(80)
  label?: string;
}

export function toSmsNumberResponse(number: SmsNumber) {
  return {
    id: number.id,
    number: number.number,
    label: number.label,
    isDefault: number.isDefault,
    kind: number.kind,
    userId: number.userId,
    teamId: number.teamId,
    createdAt: number.createdAt,
  };
}
