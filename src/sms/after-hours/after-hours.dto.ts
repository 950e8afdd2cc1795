import { ApiProperty, ApiPropertyOptional } from '../core/api-docs';
import { IsBoolean, IsInt, IsObject, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { BusinessHours } from '../schedule/business-hours';
import { BusinessHoursDto } from '../schedule/business-hours.dto';
import type { AfterHoursReply } from './after-hours-reply.entity';

/** Replies to one contact at most once in this many hours unless the account says otherwise. */
export const DEFAULT_WINDOW_HOURS = 12;

export class SaveAccountAfterHoursDto {
  @ApiProperty({ description: 'Answer texts that arrive while closed' })
  @IsBoolean()
  enabled!: boolean;

  // Checked by validateBusinessHours (422 listing every problem).
  @ApiPropertyOptional({
    type: BusinessHoursDto,
    nullable: true,
    description: "Hours of this reply; null or absent: the account's business hours",
  })
  @IsOptional()
  @IsObject()
  hours?: BusinessHours | null;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 168,
    default: DEFAULT_WINDOW_HOURS,
    description: 'At most one reply per contact in this many hours',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(168)
  windowHours?: number;
}

export class SaveAfterHoursOverrideDto {
  @ApiProperty({ description: 'false: no after-hours reply for this team or user, whatever the account says' })
  @IsBoolean()
  enabled!: boolean;

  // Checked by validateBusinessHours (422 listing every problem).
  @ApiPropertyOptional({
    type: BusinessHoursDto,
    nullable: true,
    description: "Hours of this reply; null or absent: the account's business hours",
  })
  @IsOptional()
  @IsObject()
  hours?: BusinessHours | null;

  @ApiPropertyOptional({
    nullable: true,
    description: "Template text (same variables as after_hours); null or absent: the account's after_hours template",
    example: 'Hi, this is {{technician.firstName}}. I am off until {{date businessHours.nextOpening "cccc h:mm a"}}.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  body?: string | null;
}

export class SetAfterHoursEditorDto {
  @ApiProperty({ description: 'Whether this user may edit their own after-hours reply' })
  @IsBoolean()
  allowed!: boolean;
}

/** The account's reply; an account that never saved one has it off. */
export function toAccountAfterHoursResponse(reply: AfterHoursReply | null, answeringNow: boolean) {
  return {
    enabled: reply?.enabled ?? false,
    hours: reply?.hours ?? null,
    usesBusinessHours: !reply?.hours,
    windowHours: reply?.windowHours ?? DEFAULT_WINDOW_HOURS,
    template: 'after_hours',
    answeringNow,
    updatedAt: reply?.updatedAt ?? null,
  };
}

/** A team's or user's override; null when it uses the level above. */
export function toAfterHoursOverrideResponse(reply: AfterHoursReply | null) {
  if (!reply) return null;
  return {
    enabled: reply.enabled,
    hours: reply.hours,
    usesBusinessHours: !reply.hours,
    body: reply.body,
    usesAccountTemplate: reply.body === null,
    updatedAt: reply.updatedAt,
  };
}
