import { ApiProperty, ApiPropertyOptional } from '../core/api-docs';
import {
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
import type { NumberImport } from './number-import.entity';
import type { AppliedLine } from './number-imports.service';
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
  @ApiPropertyOptional({
    enum: SMS_NUMBER_KINDS,
    description: 'direct: one user; group: one team; shared: the whole account',
  })
  @IsOptional()
  @IsIn(SMS_NUMBER_KINDS)
  kind?: SmsNumberKind;

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
