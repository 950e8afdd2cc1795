import {
  Body,
  Controller,
  Get,
  HttpException,
  Param,
  ParseUUIDPipe,
  Post,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { DateTime } from 'luxon';
import { TeamsService } from '../../helpdesk/teams/teams.service';
import {
  AfterHoursSettingsService,
  BusinessHoursService,
  PublicRoute,
  SaveAccountAfterHoursDto,
  SaveAfterHoursOverrideDto,
  SendSchedule,
  SmsSettingsService,
  UpdateSmsSettingsDto,
} from '../../sms';
import { ConsoleContext, ConsoleRoles, CurrentConsole } from '../auth/console-request';
import { ConsoleSessionGuard } from '../auth/console-session.guard';
import { ConsoleExceptionFilter, messageOf } from '../console-exception.filter';
import { checkbox, field, FormBody, validated } from '../console-form';
import { ConsoleViews } from '../console-views';
import { ConsoleUsersService } from '../users/console-users.service';

const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const EMPTY_ROWS = 3;

function list(form: FormBody, name: string): string[] {
  const value = form[name];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** Admins' SMS settings: business hours, sending rules, provider, and after-hours replies at every level. */
@ApiExcludeController()
@PublicRoute()
@UseGuards(ConsoleSessionGuard)
@UseFilters(ConsoleExceptionFilter)
@ConsoleRoles('admin')
@Controller('console/settings')
export class ConsoleSettingsController {
  constructor(
    private readonly settings: SmsSettingsService,
    private readonly businessHours: BusinessHoursService,
    private readonly schedule: SendSchedule,
    private readonly afterHours: AfterHoursSettingsService,
    private readonly teams: TeamsService,
    private readonly users: ConsoleUsersService,
    private readonly views: ConsoleViews,
  ) {}

  @Get()
  async show(@CurrentConsole() console: ConsoleContext, @Res() res: Response) {
    await this.render(console, res, { notice: res.req.query.saved ? 'Settings saved.' : undefined }, 200);
  }

  @Post('sending')
  async saveSending(@CurrentConsole() console: ConsoleContext, @Res() res: Response, @Body() form: FormBody) {
    await this.save(console, res, async () => {
      const input = await validated(UpdateSmsSettingsDto, {
        enabled: checkbox(form, 'enabled'),
        smartEncoding: checkbox(form, 'smartEncoding'),
        splitMode: field(form, 'splitMode'),
        businessHoursOnly: checkbox(form, 'businessHoursOnly'),
        allowSendNow: checkbox(form, 'allowSendNow'),
      });
      await this.update(console.account.id, input);
    });
  }

  @Post('hours')
  async saveHours(@CurrentConsole() console: ConsoleContext, @Res() res: Response, @Body() form: FormBody) {
    await this.save(console, res, async () => {
      const days = list(form, 'day');
      const starts = list(form, 'start');
      const ends = list(form, 'end');
      const weekly = days
        .map((day, i) => ({ day: Number(day), start: starts[i] ?? '', end: ends[i] ?? '' }))
        .filter((row) => row.day > 0 && (row.start || row.end));
      const holidays = (field(form, 'holidays') ?? '').split(/[\s,]+/).filter(Boolean);
      // The service checks the hours and lists every problem at once (422).
      await this.update(console.account.id, {
        businessHours: { timezone: field(form, 'timezone') ?? '', weekly, holidays },
      } as UpdateSmsSettingsDto);
    });
  }

  @Post('provider')
  async saveProvider(@CurrentConsole() console: ConsoleContext, @Res() res: Response, @Body() form: FormBody) {
    await this.save(console, res, async () => {
      const accessKey = field(form, 'accessKey')?.trim();
      const secretKey = field(form, 'secretKey')?.trim();
      const input = await validated(UpdateSmsSettingsDto, {
        provider: field(form, 'provider'),
        ...(accessKey || secretKey ? { flowroute: { accessKey, secretKey } } : {}),
      });
      await this.update(console.account.id, input);
    });
  }

  @Post('after-hours/account')
  async saveAccountReply(@CurrentConsole() console: ConsoleContext, @Res() res: Response, @Body() form: FormBody) {
    await this.save(console, res, async () => {
      const windowHours = field(form, 'windowHours');
      const input = await validated(SaveAccountAfterHoursDto, {
        enabled: checkbox(form, 'enabled'),
        windowHours: windowHours ? Number(windowHours) : undefined,
      });
      await this.afterHours.saveAccount(console.caller, input);
    });
  }

  @Post('after-hours/override')
  async saveOverride(@CurrentConsole() console: ConsoleContext, @Res() res: Response, @Body() form: FormBody) {
    await this.save(console, res, async () => {
      const [level, id] = (field(form, 'target') ?? '').split(':');
      const body = field(form, 'body')?.trim();
      const input = await validated(SaveAfterHoursOverrideDto, {
        enabled: checkbox(form, 'enabled'),
        body: body ? body : null,
      });
      if (level === 'team' && id) await this.afterHours.saveTeam(console.caller, id, input);
      else if (level === 'user' && id) await this.afterHours.saveUser(console.caller, id, input);
      else throw new HttpException('Choose a team or a user for the override', 422);
    });
  }

  @Post('after-hours/:level/:id/reset')
  async resetOverride(
    @CurrentConsole() console: ConsoleContext,
    @Res() res: Response,
    @Param('level') level: string,
    @Param('id', ParseUUIDPipe) id: string,
  ) {
    await this.save(console, res, async () => {
      if (level === 'team') await this.afterHours.resetTeam(console.account.id, id);
      else if (level === 'user') await this.afterHours.resetUser(console.caller, id);
      else throw new HttpException('Unknown level', 404);
    });
  }

  /** As PUT /api/sms/settings: hours checked and made canonical, then waiting texts re-planned when the hours moved. */
  private async update(accountId: string, input: UpdateSmsSettingsDto): Promise<void> {
    const changes = await this.businessHours.prepare(accountId, input);
    await this.settings.update(accountId, { ...changes, flowroute: input.flowroute });
    if (BusinessHoursService.movesSchedule(changes)) await this.schedule.replan(accountId);
  }

  private async save(console: ConsoleContext, res: Response, action: () => Promise<void>) {
    try {
      await action();
    } catch (error) {
      if (!(error instanceof HttpException) || error.getStatus() === 404) throw error;
      const body = error.getResponse() as { problems?: { field: string; message: string }[] };
      return this.render(console, res, { error: messageOf(body), problems: body.problems }, error.getStatus());
    }
    res.redirect(303, '/console/settings?saved=1');
  }

  private async render(console: ConsoleContext, res: Response, extra: Record<string, unknown>, status: number) {
    const accountId = console.account.id;
    const settings = await this.settings.get(accountId);
    const hours = await this.businessHours.describe(accountId, settings);
    const rows = [
      ...hours.businessHours.weekly,
      ...Array.from({ length: EMPTY_ROWS }, () => ({ day: 0, start: '', end: '' })),
    ].map((r) => ({
      ...r,
      days: DAYS.map((name, i) => ({ value: i + 1, name, selected: r.day === i + 1 })),
    }));
    const overview = await this.afterHours.overview(accountId);
    const teams = await this.teams.list(accountId);
    const people = await this.users.list(accountId);
    const nextChange = hours.nextChange?.local
      ? DateTime.fromISO(hours.nextChange.local, { setZone: true }).toFormat('cccc d LLL, HH:mm')
      : null;
    this.views.page(
      res,
      console,
      'settings',
      {
        settings,
        hours,
        nextChange,
        rows,
        holidays: hours.businessHours.holidays.join('\n'),
        afterHours: overview,
        teamOverrides: overview.teams.map((o) => ({
          ...o,
          name: teams.find((t) => t.id === o.teamId)?.name ?? 'Team',
        })),
        userOverrides: overview.users.map((o) => ({
          ...o,
          name: people.find((u) => u.id === o.userId)?.name ?? 'User',
        })),
        targets: [
          ...teams.map((t) => ({ value: `team:${t.id}`, label: `Team ${t.name}` })),
          ...people.map((u) => ({ value: `user:${u.id}`, label: u.name })),
        ],
        ...extra,
      },
      { title: 'Settings', nav: 'settings', status },
    );
  }
}
