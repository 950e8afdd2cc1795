import {
  Body,
  Controller,
  Get,
  HttpException,
  UnprocessableEntityException,
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
import { ConsoleExceptionFilter } from '../console-exception.filter';
import { checkbox, field, fieldList, FormBody, FormErrors, FormField, isRefusal, validated } from '../console-form';
import { ConsoleViews } from '../console-views';
import { ConsoleUsersService } from '../users/console-users.service';

const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const EMPTY_ROWS = 3;

interface HoursRow {
  day: number;
  start: string;
  end: string;
}

/** What was typed into each settings form, shown again when that form is refused. */
interface Drafts {
  hours?: { timezone: string; rows: HoursRow[]; holidays: string };
  sending?: Record<string, unknown>;
  provider?: { provider: string; accessKey: string };
  account?: { enabled: boolean; windowHours: string };
  override?: { target: string; enabled: boolean; body: string };
}

const FIELDS = {
  timezone: { id: 'timezone', label: 'Time zone' },
  holidays: { id: 'holidays', label: 'Holidays' },
  windowHours: { id: 'windowHours', label: 'Hours between replies' },
  target: { id: 'target', label: 'For' },
  body: { id: 'override-body', label: 'Own text' },
  splitMode: { id: 'splitMode', label: 'Long texts' },
  provider: { id: 'provider', label: 'Send through' },
  accessKey: { id: 'accessKey', label: 'Flowroute access key' },
  secretKey: { id: 'secretKey', label: 'Flowroute secret key' },
};

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
    await this.render(console, res, { notice: res.req.query.saved ? 'Settings saved.' : undefined }, {}, 200);
  }

  @Post('sending')
  async saveSending(@CurrentConsole() console: ConsoleContext, @Res() res: Response, @Body() form: FormBody) {
    const draft = {
      enabled: checkbox(form, 'enabled'),
      smartEncoding: checkbox(form, 'smartEncoding'),
      splitMode: field(form, 'splitMode'),
      businessHoursOnly: checkbox(form, 'businessHoursOnly'),
      allowSendNow: checkbox(form, 'allowSendNow'),
    };
    const errors = new FormErrors('The sending rules were not saved:');
    await this.save(
      console,
      res,
      { sending: draft },
      errors,
      async () => {
        await this.update(console.account.id, await validated(UpdateSmsSettingsDto, draft));
      },
      byName,
    );
  }

  @Post('hours')
  async saveHours(@CurrentConsole() console: ConsoleContext, @Res() res: Response, @Body() form: FormBody) {
    const days = fieldList(form, 'day');
    const starts = fieldList(form, 'start');
    const ends = fieldList(form, 'end');
    const rows: HoursRow[] = days.map((day, i) => ({
      day: Number(day) || 0,
      start: clockTime(starts[i]),
      end: clockTime(ends[i]),
    }));
    const draft = { timezone: field(form, 'timezone') ?? '', rows, holidays: field(form, 'holidays') ?? '' };
    const errors = new FormErrors('The business hours were not saved:');
    // Rows the service sees, with the form row each came from, so its problems land on the right row; a row without
    // times is dropped, whatever its day says.
    const kept = rows.map((row, index) => ({ row, index })).filter(({ row }) => row.start || row.end);
    for (const { row, index } of kept) {
      if (row.day === 0) errors.add(rowField(index, row, 'day'), 'Choose the day this interval is on.');
    }
    const weekly = kept.filter(({ row }) => row.day > 0);
    const holidays = draft.holidays.split(/[\s,]+/).filter(Boolean);
    await this.save(
      console,
      res,
      { hours: draft },
      errors,
      async () => {
        // The service checks the hours and lists every problem at once (422).
        await this.update(console.account.id, {
          businessHours: { timezone: draft.timezone.trim(), weekly: weekly.map((w) => w.row), holidays },
        } as UpdateSmsSettingsDto);
      },
      (path) => {
        const match = /^businessHours\.weekly\[(\d+)\](?:\.(day|start|end))?$/.exec(path);
        if (match) {
          const source = weekly[Number(match[1])];
          return source ? rowField(source.index, source.row, (match[2] ?? 'day') as keyof HoursRow) : null;
        }
        if (path.startsWith('businessHours.holidays')) return FIELDS.holidays;
        if (path === 'businessHours.timezone') return FIELDS.timezone;
        return null;
      },
    );
  }

  @Post('provider')
  async saveProvider(@CurrentConsole() console: ConsoleContext, @Res() res: Response, @Body() form: FormBody) {
    const accessKey = field(form, 'accessKey')?.trim() ?? '';
    const secretKey = field(form, 'secretKey')?.trim() ?? '';
    const draft = { provider: field(form, 'provider') ?? '', accessKey };
    const errors = new FormErrors('The provider was not saved:');
    await this.save(
      console,
      res,
      { provider: draft },
      errors,
      async () => {
        const input = await validated(UpdateSmsSettingsDto, {
          provider: draft.provider,
          ...(accessKey || secretKey ? { flowroute: { accessKey, secretKey } } : {}),
        });
        await this.update(console.account.id, input);
      },
      byName,
    );
  }

  @Post('after-hours/account')
  async saveAccountReply(@CurrentConsole() console: ConsoleContext, @Res() res: Response, @Body() form: FormBody) {
    const draft = { enabled: checkbox(form, 'enabled'), windowHours: field(form, 'windowHours') ?? '' };
    const errors = new FormErrors('The account reply was not saved:');
    await this.save(
      console,
      res,
      { account: draft },
      errors,
      async () => {
        const input = await validated(SaveAccountAfterHoursDto, {
          enabled: draft.enabled,
          windowHours: draft.windowHours ? Number(draft.windowHours) : undefined,
        });
        await this.afterHours.saveAccount(console.caller, input);
      },
      byName,
    );
  }

  @Post('after-hours/override')
  async saveOverride(@CurrentConsole() console: ConsoleContext, @Res() res: Response, @Body() form: FormBody) {
    const draft = {
      target: field(form, 'target') ?? '',
      enabled: checkbox(form, 'enabled'),
      body: field(form, 'body') ?? '',
    };
    const errors = new FormErrors('The override was not saved:');
    await this.save(
      console,
      res,
      { override: draft },
      errors,
      async () => {
        const [level, id] = draft.target.split(':');
        const body = draft.body.trim();
        const input = await validated(SaveAfterHoursOverrideDto, { enabled: draft.enabled, body: body ? body : null });
        if (level === 'team' && id) await this.afterHours.saveTeam(console.caller, id, input);
        else if (level === 'user' && id) await this.afterHours.saveUser(console.caller, id, input);
        else
          throw new UnprocessableEntityException({
            problems: [{ field: 'target', message: 'Choose a team or a user.' }],
          });
      },
      byName,
    );
  }

  @Post('after-hours/:level/:id/reset')
  async resetOverride(
    @CurrentConsole() console: ConsoleContext,
    @Res() res: Response,
    @Param('level') level: string,
    @Param('id', ParseUUIDPipe) id: string,
  ) {
    await this.save(
      console,
      res,
      {},
      new FormErrors('Not reset:'),
      async () => {
        if (level === 'team') await this.afterHours.resetTeam(console.account.id, id);
        else if (level === 'user') await this.afterHours.resetUser(console.caller, id);
        else throw new HttpException('Unknown level', 404);
      },
      byName,
    );
  }

  /** As PUT /api/sms/settings: hours checked and made canonical, then waiting texts re-planned when the hours moved. */
  private async update(accountId: string, input: UpdateSmsSettingsDto): Promise<void> {
    const changes = await this.businessHours.prepare(accountId, input);
    await this.settings.update(accountId, { ...changes, flowroute: input.flowroute });
    if (BusinessHoursService.movesSchedule(changes)) await this.schedule.replan(accountId);
  }

  /** Runs the action unless the form already has errors; a refusal shows the form again as typed, errors at fields. */
  private async save(
    console: ConsoleContext,
    res: Response,
    drafts: Drafts,
    errors: FormErrors,
    action: () => Promise<void>,
    place: (path: string) => FormField | null,
  ) {
    try {
      if (errors.empty) await action();
    } catch (error) {
      if (!isRefusal(error)) throw error;
      errors.addRefusal(error, place);
    }
    if (!errors.empty) return this.render(console, res, errors.view(), drafts, 422);
    res.redirect(303, '/console/settings?saved=1');
  }

  private async render(
    console: ConsoleContext,
    res: Response,
    extra: Record<string, unknown>,
    drafts: Drafts,
    status: number,
  ) {
    const accountId = console.account.id;
    const settings = await this.settings.get(accountId);
    const hours = await this.businessHours.describe(accountId, settings);
    const typed = drafts.hours;
    const saved = hours.businessHours;
    const rows = [
      ...(typed ? typed.rows.filter((r) => r.day > 0 || r.start || r.end) : saved.weekly),
      ...Array.from({ length: EMPTY_ROWS }, () => ({ day: 0, start: '', end: '' })),
    ].map((r) => ({
      ...r,
      days: DAYS.map((name, i) => ({ value: i + 1, name, selected: r.day === i + 1 })),
    }));
    const overview = await this.afterHours.overview(accountId);
    const teams = await this.teams.list(accountId);
    const people = await this.users.list(accountId);
    const nextChange = hours.nextChange?.local
      ? DateTime.fromISO(hours.nextChange.local, { setZone: true })
          .setZone(hours.businessHours.timezone)
          .toFormat('cccc d LLL, HH:mm ZZZZ')
      : null;
    const override = drafts.override ?? { target: '', enabled: true, body: '' };
    this.views.page(
      res,
      console,
      'settings',
      {
        settings: { ...settings, ...drafts.sending, ...drafts.provider },
        accessKey: drafts.provider?.accessKey ?? '',
        hours,
        nextChange,
        rows,
        timezoneValue: typed ? typed.timezone : saved.timezone,
        holidays: typed ? typed.holidays : saved.holidays.join('\n'),
        afterHours: overview,
        accountReply: drafts.account ?? {
          enabled: overview.account.enabled,
          windowHours: String(overview.account.windowHours ?? ''),
        },
        override,
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
        ].map((t) => ({ ...t, selected: t.value === override.target })),
        ...extra,
      },
      { title: 'Settings', nav: 'settings', status },
    );
  }
}

/** A form input for a problem's field path: the input of that name, as the page calls it. */
function byName(path: string): FormField | null {
  const name = path.split('.').pop() ?? '';
  return name in FIELDS ? FIELDS[name as keyof typeof FIELDS] : null;
}

/** "9:00" is read as "09:00", as a person means it; anything else goes to the service as typed. */
function clockTime(value: string | undefined): string {
  const text = (value ?? '').trim();
  return /^\d:\d\d$/.test(text) ? `0${text}` : text;
}

/** Row n of the weekly hours, as the person sees it ("Row 2 (Tuesday), closes"). */
function rowField(index: number, row: HoursRow, part: keyof HoursRow): FormField {
  const day = row.day > 0 ? ` (${DAYS[row.day - 1]})` : '';
  const what = { day: 'day', start: 'opens', end: 'closes' }[part];
  return { id: `${part}-${index}`, label: `Weekly opening hours, row ${index + 1}${day}, ${what}` };
}
