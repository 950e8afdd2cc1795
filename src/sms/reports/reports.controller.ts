import { Controller, Get, Headers, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '../core/api-docs';
import type { Response } from 'express';
import { AdminOnlyGuard, CurrentCaller, type SmsCaller, SmsCallerGuard } from '../auth/caller';
import { SessionReportQueryDto, toSessionReportResponse } from './reports.dto';
import { SessionReports } from './session-report.service';

@ApiTags('sms reports')
@ApiBearerAuth()
@UseGuards(AdminOnlyGuard)
@UseGuards(SmsCallerGuard)
@Controller('sms/reports')
export class ReportsController {
  constructor(private readonly reports: SessionReports) {}

  /** Messaging sessions by type, with texts, segments, credits, median first response, claims and transfers; JSON or CSV. */
  @Get('sessions')
  @ApiProduces('application/json', 'text/csv')
  async sessions(
    @CurrentCaller() caller: SmsCaller,
    @Query() query: SessionReportQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const report = await this.reports.sessions(caller.accountId, {
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
      groupBy: query.groupBy ?? 'type',
      gapHours: query.gapHours,
    });
    const csv = query.format === 'csv' || (query.format === undefined && /\btext\/csv\b/i.test(accept ?? ''));
    if (!csv) return toSessionReportResponse(report);
    res.type('text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="sms-sessions-by-${report.groupBy}.csv"`);
    return SessionReports.toCsv(report);
  }
}
