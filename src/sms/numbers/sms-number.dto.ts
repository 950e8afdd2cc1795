import { ApiProperty, ApiPropertyOptional } from '../core/api-docs';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { IsHostId } from '../core/host-id';
import {
  HISTORY_VISIBILITIES,
  type HistoryVisibility,
  SMS_NUMBER_KINDS,
  type SmsNumberKind,
} from './sms-number.entity';
import { HISTORY_CHOICES, type HistoryChoice } from './number-assignment';
import type { NumberImport } from './number-import.entity';
import type { AppliedLine } from './number-imports.service';
import type { SmsNumber } from './sms-number.entity';

/** Most chosen users one number has. */
const MAX_MEMBERS = 100;

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

  @ApiPropertyOptional({
    enum: SMS_NUMBER_KINDS,
    description:
      'Assign it at once (as PATCH does); left out, the number starts unassigned: admins only, it sends nothing',
  })
  @IsOptional()
  @IsIn(SMS_NUMBER_KINDS)
  kind?: SmsNumberKind;

  @ApiPropertyOptional({ description: 'The user of a direct number' })
  @IsOptional()
  @IsHostId()
  userId?: string;

  @ApiPropertyOptional({ description: 'The team of a group number' })
  @IsOptional()
  @IsHostId()
  teamId?: string;

  @ApiPropertyOptional({ type: [String], description: 'The chosen users of a users number' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_MEMBERS)
  @IsHostId({ each: true })
  memberIds?: string[];
}

/** Kind and assignment; fields left out keep their value, and a kind change clears what no longer applies. */
export class UpdateSmsNumberDto {
  @ApiPropertyOptional({
    enum: SMS_NUMBER_KINDS,
    description:
      'unassigned: nobody (admins only, sends nothing); direct: one user; group: one team; users: chosen users; shared: the whole account',
  })
  @IsOptional()
  @IsIn(SMS_NUMBER_KINDS)
  kind?: SmsNumberKind;

  @ApiPropertyOptional({ type: [String], description: 'The chosen users of a users number' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_MEMBERS)
  @IsHostId({ each: true })
  memberIds?: string[];

  @ApiPropertyOptional({
    enum: HISTORY_CHOICES,
    description:
      "When the number changes hands: keep (default; the threads stay with those who could see them, the new holder starts afresh) or hand_over (the new holder sees them instead). Required when a user's direct number goes to anyone else",
  })
  @IsOptional()
  @IsIn(HISTORY_CHOICES)
  history?: HistoryChoice;

  @ApiPropertyOptional({ nullable: true, description: 'The user of a direct number' })
  @IsOptional()
  @IsHostId()
  userId?: string | null;

  @ApiPropertyOptional({ nullable: true, description: 'The team of a group number' })
  @IsOptional()
  @IsHostId()
  teamId?: string | null;

  @ApiPropertyOptional({ example: 'Front desk' })
  @ValidateIf((o: UpdateSmsNumberDto) => o.label !== undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(80)
  label?: string;

  @ApiPropertyOptional({
    enum: HISTORY_VISIBILITIES,
    description:
      'members: every member sees the whole history; handler: a member sees past threads only of conversations they handled',
  })
  @IsOptional()
  @IsIn(HISTORY_VISIBILITIES)
  historyVisibility?: HistoryVisibility;

  @ApiPropertyOptional({
    nullable: true,
    minimum: 1,
    maximum: 1440,
    description: "This number's claim timeout in minutes; null: the account's",
  })
  @ValidateIf((o: UpdateSmsNumberDto) => o.claimTimeoutMinutes !== null && o.claimTimeoutMinutes !== undefined)
  @IsInt()
  @Min(1)
  @Max(1440)
  claimTimeoutMinutes?: number | null;

  @ApiPropertyOptional({ description: "true: the account's default sender (the previous default stops being it)" })
  @IsOptional()
  @IsBoolean()
  isDefault?: boolean;
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
    memberIds: number.memberIds,
    /** Only verified numbers send. */
    verified: number.verifiedAt !== null,
    verifiedAt: number.verifiedAt,
    verificationCheckedAt: number.verificationCheckedAt,
    verificationError: number.verificationError,
    historyVisibility: number.historyVisibility,
    claimTimeoutMinutes: number.claimTimeoutMinutes,
    createdAt: number.createdAt,
  };
}

export function toNumberImportResponse(result: NumberImport, applied?: AppliedLine[]) {
  return {
    id: result.id,
    rows: result.rows,
    applied: result.applied,
    failed: result.failed,
    /** Present on the answer to the upload: what each good line did. */
    ...(applied ? { lines: applied } : {}),
    errors: result.errors,
    /** The refused lines as CSV, to fix and upload again. */
    errorLog: `/api/sms/numbers/bulk/${result.id}/errors`,
    createdAt: result.createdAt,
  };
}
