import { ApiPropertyOptional } from '../core/api-docs';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, Max, Min } from 'class-validator';
import type { SessionGrouping, SessionReport } from './session-report.service';

export class SessionReportQueryDto {
  @ApiPropertyOptional({ description: 'Start (ISO 8601); default: 7 days before `to`' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'End, exclusive (ISO 8601); default: now' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({ enum: ['user', 'number', 'team', 'type'], default: 'type' })
  @IsOptional()
  @IsIn(['user', 'number', 'team', 'type'], { message: 'groupBy must be user, number, team or type' })
  groupBy?: SessionGrouping;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 720,
    description: "Idle hours that end a session; default: the account's sessionGapHours (24)",
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? Number(value) : value))
  @IsInt()
  @Min(1)
  @Max(720)
  gapHours?: number;

  @ApiPropertyOptional({ enum: ['json', 'csv'], description: 'csv, or send Accept: text/csv' })
  @IsOptional()
  @IsIn(['json', 'csv'], { message: 'format must be json or csv' })
  format?: 'json' | 'csv';
}

export function toSessionReportResponse(report: SessionReport) {
  return {
    from: report.from,
    to: report.to,
    groupBy: report.groupBy,
    sessionGapHours: report.sessionGapHours,
    types: report.types,
    groups: report.groups,
    total: report.total,
  };
}
