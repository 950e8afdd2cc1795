import { ApiProperty } from '../core/api-docs';
import { DateTime } from 'luxon';
import type { BusinessHours, Weekday } from './business-hours';

// Documentation shapes only: bodies are checked by validateBusinessHours, which lists every problem at once (422).
export class WeeklyIntervalDto {
  @ApiProperty({ minimum: 1, maximum: 7, description: 'ISO weekday: 1 = Monday … 7 = Sunday' })
  day!: Weekday;

  @ApiProperty({ example: '09:00', description: 'HH:mm, local time' })
  start!: string;

  @ApiProperty({
    example: '17:00',
    description: "HH:mm or '24:00'; earlier than start runs overnight into the next day",
  })
  end!: string;
}

export class BusinessHoursDto {
  @ApiProperty({ example: 'America/New_York', description: 'IANA time zone the hours are read in' })
  timezone!: string;

  @ApiProperty({ type: [WeeklyIntervalDto], description: 'Several intervals per day are allowed' })
  weekly!: WeeklyIntervalDto[];

  @ApiProperty({ type: [String], example: ['2026-12-25'], description: 'Local dates closed all day' })
  holidays!: string[];
}

/** Open right now, and when that flips; `local` is the same instant in the hours' own time zone. */
export function toBusinessHoursStatus(hours: BusinessHours, status: { open: boolean; at: Date | null }) {
  return {
    openNow: status.open,
    nextChange: status.at
      ? {
          at: status.at.toISOString(),
          local: DateTime.fromJSDate(status.at, { zone: hours.timezone }).toISO({ suppressMilliseconds: true }),
          opens: !status.open,
        }
      : null,
  };
}
