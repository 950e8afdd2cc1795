import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpException,
  NotFoundException,
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
  CannedReplies,
  ConversationQueries,
  CreateCannedReplyDto,
  PublicRoute,
  SmsTemplatesService,
  TEMPLATE_HELPERS,
  TEMPLATE_VARIABLES,
  UpdateCannedReplyDto,
} from '../../sms';
import { ConsoleContext, ConsoleRoles, CurrentConsole } from '../auth/console-request';
import { ConsoleSessionGuard } from '../auth/console-session.guard';
import { ConsoleExceptionFilter, messageOf } from '../console-exception.filter';
import { field, FormBody, FormErrors, FormField, isRefusal, validated } from '../console-form';
import { ConsoleViews } from '../console-views';
import { ConsoleTicketsService } from '../tickets/console-tickets.service';

const FIELDS: Record<string, FormField> = {
  name: { id: 'name', label: 'Name' },
  body: { id: 'body', label: 'Text' },
  teamId: { id: 'scope', label: 'Who uses it' },
};

const NOTICES: Record<string, string> = {
  added: 'Canned reply added.',
  saved: 'Canned reply saved.',
  deleted: 'Canned reply deleted.',
};

/** A canned reply's form as it was typed, shown again with its errors. */
interface Draft {
  name: string;
  body: string;
  scope: string;
}

/** The scope select's value for the account's own replies; any other value is a team's id. */
const ACCOUNT_SCOPE = 'account';

/**
 * Canned replies: admins write the account's and each team's, with a live preview (the SMS templates' renderer and
 * cost); technicians see the ones they may send (the account's and their teams').
 */
@ApiExcludeController()
@PublicRoute()
@UseGuards(ConsoleSessionGuard)
@UseFilters(ConsoleExceptionFilter)
@Controller('console')
export class ConsoleCannedRepliesController {
  constructor(
    private readonly replies: CannedReplies,
    private readonly queries: ConversationQueries,
    private readonly templates: SmsTemplatesService,
    private readonly teams: TeamsService,
    private readonly tickets: ConsoleTicketsService,
    private readonly views: ConsoleViews,
  ) {}

  @Get('canned-replies')
  async list(@CurrentConsole() console: ConsoleContext, @Res() res: Response) {
    const done = res.req.query.done;
    await this.render(console, res, null, { notice: typeof done === 'string' ? NOTICES[done] : undefined }, 200);
  }

  @Post('canned-replies')
  @ConsoleRoles('admin')
  async create(@CurrentConsole() console: ConsoleContext, @Res() res: Response, @Body() form: FormBody) {
    const draft = draftOf(form);
    const errors = new FormErrors('The canned reply was not added:');
    try {
      const input = await validated(CreateCannedReplyDto, {
        name: draft.name,
        body: draft.body,
        teamId: draft.scope === ACCOUNT_SCOPE ? null : draft.scope,
      });
      await this.replies.create(console.caller.accountId, console.caller.userId, input);
    } catch (error) {
      if (!refused(error, errors)) throw error;
      return this.render(console, res, null, { ...errors.view(), draft }, 422);
    }
    res.redirect(303, '/console/canned-replies?done=added');
  }

  @Get('canned-replies/:id')
  @ConsoleRoles('admin')
  async edit(@CurrentConsole() console: ConsoleContext, @Res() res: Response, @Param('id', ParseUUIDPipe) id: string) {
    await this.render(console, res, id, {}, 200);
  }

  @Post('canned-replies/:id')
  @ConsoleRoles('admin')
  async update(
    @CurrentConsole() console: ConsoleContext,
    @Res() res: Response,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() form: FormBody,
  ) {
    const draft = draftOf(form);
    const errors = new FormErrors('The canned reply was not saved:');
    try {
      const input = await validated(UpdateCannedReplyDto, { name: draft.name, body: draft.body });
      await this.replies.update(console.caller.accountId, console.caller.userId, id, input);
    } catch (error) {
      if (!refused(error, errors)) throw error;
      return this.render(console, res, id, { ...errors.view(), draft }, 422);
    }
    res.redirect(303, '/console/canned-replies?done=saved');
  }

  @Post('canned-replies/:id/delete')
  @ConsoleRoles('admin')
  async remove(
    @CurrentConsole() console: ConsoleContext,
    @Res() res: Response,
    @Param('id', ParseUUIDPipe) id: string,
  ) {
    await this.replies.remove(console.caller.accountId, id);
    res.redirect(303, '/console/canned-replies?done=deleted');
  }

  /** The draft rendered with example values (or a chosen ticket's), and what it costs: the template editor's preview. */
  @Post('api/canned-replies/preview')
  @ConsoleRoles('admin')
  @HttpCode(200)
  preview(@CurrentConsole() console: ConsoleContext, @Body() input: { body?: unknown; ticketId?: unknown }) {
    const ticketId =
      typeof input.ticketId === 'string' && /^[0-9a-f-]{36}$/i.test(input.ticketId) ? input.ticketId : undefined;
    const body = typeof input.body === 'string' ? input.body.slice(0, 5000) : '';
    // ticket_update's variables are a canned reply's: the ticket, its customer, the account and the writer.
    return this.templates.preview(console.account.id, 'ticket_update', { body, ticketId }, console.user.id);
  }

  private async render(
    console: ConsoleContext,
    res: Response,
    editing: string | null,
    extra: { draft?: Draft } & Record<string, unknown>,
    status: number,
  ) {
    const isAdmin = console.user.role === 'admin';
    const [replies, teams] = await Promise.all([
      this.replies.list(await this.queries.viewer(console.caller)),
      this.teams.list(console.account.id),
    ]);
    const teamName = new Map(teams.map((t) => [t.id, t.name]));
    const rows = replies.map((r) => ({
      id: r.id,
      name: r.name,
      body: r.body,
      updatedAt: r.updatedAt,
      scope: r.teamId ? `Team ${teamName.get(r.teamId) ?? '(deleted team)'}` : 'Everyone in the account',
    }));
    const current = editing ? replies.find((r) => r.id === editing) : undefined;
    if (editing && !current) throw new NotFoundException('No such canned reply in this account');
    const draft: Draft = extra.draft ?? {
      name: current?.name ?? '',
      body: current?.body ?? '',
      scope: current?.teamId ?? ACCOUNT_SCOPE,
    };
    const scopes = [
      { value: ACCOUNT_SCOPE, label: 'Everyone in the account' },
      ...teams.map((t) => ({ value: t.id, label: `Team ${t.name}` })),
    ].map((s) => ({ ...s, selected: s.value === draft.scope }));
    const tickets = isAdmin ? (await this.tickets.list(console.account.id)).slice(0, 30) : [];
    this.views.page(
      res,
      console,
      editing ? 'canned-reply' : 'canned-replies',
      {
        replies: rows,
        isAdmin,
        editing: current
          ? { id: current.id, name: current.name, scope: rows.find((r) => r.id === current.id)?.scope }
          : null,
        draft,
        scopes,
        tickets,
        variables: TEMPLATE_VARIABLES,
        helpers: TEMPLATE_HELPERS,
        ...extra,
      },
      {
        title: current ? `Canned reply ${current.name}` : 'Canned replies',
        nav: 'canned-replies',
        status,
        scripts: isAdmin ? ['template-preview.js'] : [],
      },
    );
  }
}

function draftOf(form: FormBody): Draft {
  return {
    name: field(form, 'name') ?? '',
    body: field(form, 'body') ?? '',
    scope: field(form, 'scope') || ACCOUNT_SCOPE,
  };
}

/**
 * Adds a refusal to the form's errors at its field: a name taken (409) at the name, a team that is not the account's
 * (404) at the scope, a template problem at the text with its line and column. False for anything else.
 */
function refused(error: unknown, errors: FormErrors): boolean {
  if (error instanceof HttpException && error.getStatus() === 409) {
    errors.add(FIELDS.name, messageOf(error.getResponse()));
    return true;
  }
  if (error instanceof NotFoundException && /team/i.test(error.message)) {
    errors.add(FIELDS.teamId, 'That team is not one of this account’s; choose another.');
    return true;
  }
  if (!isRefusal(error)) return false;
  errors.addRefusal(error, (path) => FIELDS[path] ?? null);
  return true;
}
