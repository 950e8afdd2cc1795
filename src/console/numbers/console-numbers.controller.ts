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
  SmsNumbersService,
  toSmsNumberResponse,
  UpdateSmsNumberDto,
} from '../../sms';
import { ConsoleContext, ConsoleRoles, CurrentConsole } from '../auth/console-request';
import { ConsoleSessionGuard } from '../auth/console-session.guard';
import { ConsoleExceptionFilter, messageOf } from '../console-exception.filter';
import { checkbox, field, FormBody, FormErrors, isRefusal, validated } from '../console-form';
import { ConsoleViews, formatPhone } from '../console-views';
import { ConsoleUsersService } from '../users/console-users.service';

interface NumberDraft {
  label: string;
  kind: string;
  userId: string;
  teamId: string;
  memberIds: string[];
  /** When the number changes hands: `keep` its past threads with who saw them, or `hand_over` to the new holders. */
  history: string;
  historyVisibility: string;
  claimTimeoutMinutes: string;
  isDefault: boolean;
}

/** The kinds a number can be, as the edit page offers them; a new kind is one more entry here. */
const NUMBER_KINDS = [
  { value: 'unassigned', label: 'Unassigned', description: 'Admins only: it sends nothing and reaches nobody else.' },
  { value: 'shared', label: 'Shared', description: 'Reaches everyone in the account.' },
  { value: 'users', label: 'Chosen people', description: 'Reaches the people chosen below.' },
  { value: 'group', label: 'Group', description: 'Reaches one team.' },
  { value: 'direct', label: 'Direct', description: "One person's own number." },
];

const HANDOVER_CHOICES = [
  { value: 'keep', label: 'Past threads stay with the people who saw them' },
  { value: 'hand_over', label: 'Hand past threads over to the new holders' },
];

const HISTORY_CHOICES = [
  { value: 'members', label: 'Every member sees the whole history' },
  { value: 'handler', label: 'A member sees past threads only of conversations they handled' },
];

const ADD_FIELDS = {
  number: { id: 'new-number', label: 'Number' },
  label: { id: 'new-label', label: 'Label' },
};

const NUMBER_FIELDS = {
  label: { id: 'label', label: 'Label' },
  kind: { id: 'kind-shared', label: 'Reaches' },
  userId: { id: 'userId', label: 'Person' },
  teamId: { id: 'teamId', label: 'Team' },
  memberIds: { id: 'memberIds', label: 'Chosen people' },
  history: { id: 'handover-keep', label: 'Past threads' },
  historyVisibility: { id: 'history-members', label: 'History' },
  claimTimeoutMinutes: { id: 'claimTimeoutMinutes', label: 'Claim timeout (minutes)' },
  isDefault: { id: 'isDefault', label: 'Default number' },
};

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
    const deleted = res.req.query.deleted;
    const notice = res.req.query.saved
      ? 'Saved.'
      : typeof deleted === 'string'
        ? `${formatPhone(deleted, console.account.defaultCountry).text} was deleted; its conversations and texts stay.`
        : undefined;
    await this.render(console, res, { notice }, 200);
  }

  @Post()
  async add(@CurrentConsole() console: ConsoleContext, @Res() res: Response, @Body() form: FormBody) {
    const draft = { number: field(form, 'number') ?? '', label: field(form, 'label') ?? '' };
    try {
      await this.numbers.add(console.account.id, await validated(CreateSmsNumberDto, draft));
    } catch (error) {
      if (!isRefusal(error)) throw error;
      const errors = new FormErrors('The number was not added:').addRefusal(
        error,
        (path) => ({ number: ADD_FIELDS.number, label: ADD_FIELDS.label })[path] ?? null,
      );
      return this.render(console, res, { ...errors.view(), draft }, error.getStatus());
    }
    res.redirect(303, '/console/numbers?saved=1');
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

  // After the fixed paths (bulk), so that POST /bulk is not read as a number's id.
  @Get(':id')
  async edit(@CurrentConsole() console: ConsoleContext, @Res() res: Response, @Param('id', ParseUUIDPipe) id: string) {
    const query = res.req.query;
    const notice = query.saved ? 'Number saved.' : query.verified ? 'Verification checked again.' : undefined;
    await this.editor(console, res, id, { notice }, null, 200);
  }

  @Post(':id')
  async save(
    @CurrentConsole() console: ConsoleContext,
    @Res() res: Response,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() form: FormBody,
  ) {
    const draft: NumberDraft = {
      label: field(form, 'label') ?? '',
      kind: field(form, 'kind') ?? '',
      userId: field(form, 'userId') ?? '',
      teamId: field(form, 'teamId') ?? '',
      memberIds: ([] as string[]).concat(form.memberIds ?? []).filter((v) => typeof v === 'string' && v !== ''),
      history: field(form, 'history') ?? '',
      historyVisibility: field(form, 'historyVisibility') ?? '',
      claimTimeoutMinutes: (field(form, 'claimTimeoutMinutes') ?? '').trim(),
      isDefault: checkbox(form, 'isDefault'),
    };
    const errors = new FormErrors('The number was not saved:');
    // Said here in the form's words; the service would name its fields (userId, teamId).
    if (draft.kind === 'direct' && !draft.userId)
      errors.add(NUMBER_FIELDS.userId, 'Choose the person whose own number this is.');
    if (draft.kind === 'group' && !draft.teamId) errors.add(NUMBER_FIELDS.teamId, 'Choose the team that shares it.');
    if (draft.kind === 'users' && draft.memberIds.length === 0)
      errors.add(NUMBER_FIELDS.memberIds, 'Choose the people who share it.');
    if (draft.claimTimeoutMinutes && !/^\d+$/.test(draft.claimTimeoutMinutes))
      errors.add(NUMBER_FIELDS.claimTimeoutMinutes, 'Write a whole number of minutes, or leave it empty.');
    try {
      if (errors.empty) {
        const input = await validated(UpdateSmsNumberDto, {
          kind: draft.kind,
          label: draft.label.trim(),
          userId: draft.kind === 'direct' ? draft.userId : null,
          teamId: draft.kind === 'group' ? draft.teamId : null,
          memberIds: draft.kind === 'users' ? draft.memberIds : undefined,
          history: draft.history || undefined,
          historyVisibility: draft.historyVisibility || undefined,
          claimTimeoutMinutes: draft.claimTimeoutMinutes ? Number(draft.claimTimeoutMinutes) : null,
          ...(draft.isDefault ? { isDefault: true } : {}),
        });
        await this.numbers.update(console.account.id, id, input, console.user.id);
      }
    } catch (error) {
      if (!isRefusal(error)) throw error;
      errors.addRefusal(error, (path) => NUMBER_FIELDS[path as keyof typeof NUMBER_FIELDS] ?? null);
    }
    if (!errors.empty) return this.editor(console, res, id, errors.view(), draft, 422);
    res.redirect(303, `/console/numbers/${id}?saved=1`);
  }

  @Post(':id/verify')
  async verify(
    @CurrentConsole() console: ConsoleContext,
    @Res() res: Response,
    @Param('id', ParseUUIDPipe) id: string,
  ) {
    await this.numbers.verify(console.account.id, id);
    res.redirect(303, `/console/numbers/${id}?verified=1`);
  }

  @Post(':id/delete')
  async remove(
    @CurrentConsole() console: ConsoleContext,
    @Res() res: Response,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() form: FormBody,
  ) {
    if (!checkbox(form, 'confirm')) {
      const errors = new FormErrors('The number was not deleted:').add(
        { id: 'confirm-delete', label: 'Confirm' },
        'Tick the box to confirm you want to delete this number.',
      );
      return this.editor(console, res, id, errors.view(), null, 422);
    }
    const number = await this.numbers.get(console.account.id, id);
    await this.numbers.remove(console.account.id, id);
    res.redirect(303, `/console/numbers?deleted=${encodeURIComponent(number.number)}`);
  }

  private async editor(
    console: ConsoleContext,
    res: Response,
    id: string,
    extra: Record<string, unknown>,
    draft: NumberDraft | null,
    status: number,
  ) {
    const accountId = console.account.id;
    const [number, teams, people] = await Promise.all([
      this.numbers.get(accountId, id).then(toSmsNumberResponse),
      this.teams.list(accountId),
      this.people.list(accountId),
    ]);
    const shown: NumberDraft = draft ?? {
      label: number.label,
      kind: number.kind,
      userId: number.userId ?? '',
      teamId: number.teamId ?? '',
      memberIds: number.memberIds ?? [],
      history: '',
      historyVisibility: number.historyVisibility,
      claimTimeoutMinutes: number.claimTimeoutMinutes === null ? '' : String(number.claimTimeoutMinutes),
      isDefault: false,
    };
    this.views.page(
      res,
      console,
      'number',
      {
        number,
        draft: shown,
        kinds: NUMBER_KINDS.map((k) => ({ ...k, checked: k.value === shown.kind })),
        visibilities: HISTORY_CHOICES.map((v) => ({ ...v, checked: v.value === shown.historyVisibility })),
        people: people
          .filter((p) => p.active || p.id === number.userId)
          .map((p) => ({ id: p.id, name: p.name, selected: p.id === shown.userId })),
        teams: teams.map((t) => ({ id: t.id, name: t.name, selected: t.id === shown.teamId })),
        members: people
          .filter((p) => p.active || shown.memberIds.includes(p.id))
          .map((p) => ({ id: p.id, name: p.name, selected: shown.memberIds.includes(p.id) })),
        handovers: HANDOVER_CHOICES.map((h) => ({ ...h, checked: h.value === shown.history })),
        ...extra,
      },
      { title: `Number ${formatPhone(number.number, console.account.defaultCountry).text}`, nav: 'numbers', status },
    );
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
            : 'Everyone',
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
