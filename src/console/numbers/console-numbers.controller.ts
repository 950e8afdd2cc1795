import {
  Body,
  Controller,
  Get,
  Header,
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
import { TeamsService } from '../../helpdesk/teams/teams.service';
import {
  CreateSmsNumberDto,
  NumberImports,
  PublicRoute,
  SMS_NUMBER_KINDS,
  SmsNumbersService,
  toSmsNumberResponse,
  UpdateSmsNumberDto,
} from '../../sms';
import { ConsoleContext, ConsoleRoles, CurrentConsole } from '../auth/console-request';
import { ConsoleSessionGuard } from '../auth/console-session.guard';
import { ConsoleExceptionFilter, messageOf } from '../console-exception.filter';
import { field, FormBody, validated } from '../console-form';
import { ConsoleViews } from '../console-views';
import { ConsoleUsersService } from '../users/console-users.service';

/** Admins' numbers: the list, adding one, assigning it to a person or a team, and bulk assignment from CSV. */
@ApiExcludeController()
@PublicRoute()
@UseGuards(ConsoleSessionGuard)
@UseFilters(ConsoleExceptionFilter)
@ConsoleRoles('admin')
@Controller('console/numbers')
export class ConsoleNumbersController {
  constructor(
    private readonly numbers: SmsNumbersService,
    private readonly imports: NumberImports,
    private readonly teams: TeamsService,
    private readonly people: ConsoleUsersService,
    private readonly views: ConsoleViews,
  ) {}

  @Get()
  async list(@CurrentConsole() console: ConsoleContext, @Res() res: Response) {
    await this.render(console, res, { notice: res.req.query.saved ? 'Saved.' : undefined }, 200);
  }

  @Post()
  async add(@CurrentConsole() console: ConsoleContext, @Res() res: Response, @Body() form: FormBody) {
    const draft = { number: field(form, 'number') ?? '', label: field(form, 'label') ?? '' };
    await this.act(console, res, { draft }, async () => {
      await this.numbers.add(console.account.id, await validated(CreateSmsNumberDto, draft));
    });
  }

  @Post(':id/assign')
  async assign(
    @CurrentConsole() console: ConsoleContext,
    @Res() res: Response,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() form: FormBody,
  ) {
    await this.act(console, res, {}, async () => {
      const kind = field(form, 'kind');
      const members = ([] as string[]).concat(form.memberIds ?? []).filter(Boolean);
      const input = await validated(UpdateSmsNumberDto, {
        kind,
        label: field(form, 'label') || undefined,
        userId: kind === 'direct' ? field(form, 'userId') || null : null,
        teamId: kind === 'group' ? field(form, 'teamId') || null : null,
        memberIds: kind === 'users' ? members : undefined,
        history: field(form, 'history') || undefined,
      });
      await this.numbers.update(console.account.id, id, input, console.user.id);
    });
  }

  @Post('bulk')
  async bulk(@CurrentConsole() console: ConsoleContext, @Res() res: Response, @Body() form: FormBody) {
    const csv = field(form, 'csv') ?? '';
    try {
      const outcome = await this.imports.apply(console.account.id, console.user.id, csv);
      const summary = `${outcome.import.applied} of ${outcome.import.rows} lines applied, ${outcome.import.failed} refused.`;
      await this.render(
        console,
        res,
        { report: { ...outcome.import, summary, errorLog: `/api/sms/numbers/bulk/${outcome.import.id}/errors` } },
        200,
      );
    } catch (error) {
      if (!(error instanceof HttpException)) throw error;
      await this.render(console, res, { error: messageOf(error.getResponse()), csv }, error.getStatus());
    }
  }

  @Get('bulk/:importId/errors')
  @Header('Content-Type', 'text/csv; charset=utf-8')
  @Header('Content-Disposition', 'attachment; filename="number-assignment-errors.csv"')
  errorLog(@CurrentConsole() console: ConsoleContext, @Param('importId', ParseUUIDPipe) importId: string) {
    return this.imports.errorLog(console.account.id, importId);
  }

  private async act(
    console: ConsoleContext,
    res: Response,
    extra: Record<string, unknown>,
    action: () => Promise<void>,
  ) {
    try {
      await action();
    } catch (error) {
      if (!(error instanceof HttpException) || error.getStatus() === 404) throw error;
      return this.render(console, res, { error: messageOf(error.getResponse()), ...extra }, error.getStatus());
    }
    res.redirect(303, '/console/numbers?saved=1');
  }

  private async render(console: ConsoleContext, res: Response, extra: Record<string, unknown>, status: number) {
    const accountId = console.account.id;
    const [numbers, teams, people] = await Promise.all([
      this.numbers.list(accountId),
      this.teams.list(accountId),
      this.people.list(accountId),
    ]);
    const rows = numbers.map(toSmsNumberResponse).map((n) => ({
      ...n,
      holder:
        n.kind === 'direct'
          ? people.find((p) => p.id === n.userId)?.name
          : n.kind === 'group'
            ? `Team ${teams.find((t) => t.id === n.teamId)?.name ?? ''}`
            : n.kind === 'users'
              ? people
                  .filter((p) => n.memberIds.includes(p.id))
                  .map((p) => p.name)
                  .join(', ')
              : n.kind === 'unassigned'
                ? 'Admins only (unassigned)'
                : 'Everyone',
      kinds: SMS_NUMBER_KINDS.map((k) => ({ value: k, selected: k === n.kind })),
      people: people.map((p) => ({ id: p.id, name: p.name, selected: p.id === n.userId })),
      members: people.map((p) => ({ id: p.id, name: p.name, selected: n.memberIds.includes(p.id) })),
      teams: teams.map((t) => ({ id: t.id, name: t.name, selected: t.id === n.teamId })),
    }));
    this.views.page(
      res,
      console,
      'numbers',
      { numbers: rows, ...extra },
      { title: 'Numbers', nav: 'numbers', status, scripts: ['csv-file.js'] },
    );
  }
}
