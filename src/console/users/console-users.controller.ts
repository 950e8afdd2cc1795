import {
  Body,
  Controller,
  Get,
  Inject,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Res,
  UseFilters,
  UnprocessableEntityException,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { APP_CONFIG, Environment } from '../../config/app-config';
import { TeamsService } from '../../helpdesk/teams/teams.service';
import { CreateUserDto, UpdateUserDto } from '../../helpdesk/users/users.dto';
import { UsersService } from '../../helpdesk/users/users.service';
import { AfterHoursSettingsService, PublicRoute } from '../../sms';
import { ConsoleAuthService } from '../auth/console-auth.service';
import { ConsoleContext, ConsoleRoles, CurrentConsole } from '../auth/console-request';
import { ConsoleSessionGuard } from '../auth/console-session.guard';
import { ConsoleExceptionFilter } from '../console-exception.filter';
import { checkbox, field, fieldList, FormBody, FormErrors, isRefusal, validated } from '../console-form';
import { ConsoleViews } from '../console-views';
import { ConsoleUsersService } from './console-users.service';

interface UserDraft {
  role: string;
  teamIds: string[];
  active: boolean;
  selfEdit: boolean;
}

const ADD_FIELDS = {
  name: { id: 'new-name', label: 'Name' },
  email: { id: 'new-email', label: 'Email' },
  role: { id: 'new-role', label: 'Role' },
};

const USER_FIELDS = {
  role: { id: 'role', label: 'Role' },
  teamIds: { id: 'teams', label: 'Teams' },
  active: { id: 'active-yes', label: 'Access' },
  password: { id: 'password', label: 'New password' },
};

/** Admins add people, set a first password or hand out an invite link. */
@ApiExcludeController()
@PublicRoute()
@UseGuards(ConsoleSessionGuard)
@UseFilters(ConsoleExceptionFilter)
@ConsoleRoles('admin')
@Controller('console/users')
export class ConsoleUsersController {
  constructor(
    private readonly people: ConsoleUsersService,
    private readonly users: UsersService,
    private readonly auth: ConsoleAuthService,
    private readonly views: ConsoleViews,
    private readonly teams: TeamsService,
    private readonly afterHours: AfterHoursSettingsService,
    @Inject(APP_CONFIG) private readonly env: Environment,
  ) {}

  @Get()
  async list(@CurrentConsole() console: ConsoleContext, @Res() res: Response) {
    await this.render(
      console,
      res,
      { notice: res.req.query.saved ? 'Password set. Their other console sessions were signed out.' : undefined },
      200,
    );
  }

  @Post()
  async create(@CurrentConsole() console: ConsoleContext, @Res() res: Response, @Body() form: FormBody) {
    const draft = {
      name: field(form, 'name') ?? '',
      email: field(form, 'email') ?? '',
      role: field(form, 'role') ?? 'technician',
    };
    await this.act(console, res, draft, async () => {
      const input = await validated(CreateUserDto, draft);
      const created = await this.users.create(console.account.id, input);
      const invite = await this.auth.createInvite(console.account.id, created.id, console.user.id);
      return { notice: `${input.name} was added.`, invite: { name: input.name, url: this.inviteUrl(invite.token) } };
    });
  }

  @Get(':id')
  async edit(@CurrentConsole() console: ConsoleContext, @Res() res: Response, @Param('id', ParseUUIDPipe) id: string) {
    const saved = res.req.query.saved;
    const notice =
      saved === 'password'
        ? 'Password set. Their other console sessions were signed out.'
        : saved
          ? 'Saved.'
          : undefined;
    await this.editor(console, res, id, { notice }, null, 200);
  }

  @Post(':id')
  async save(
    @CurrentConsole() console: ConsoleContext,
    @Res() res: Response,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() form: FormBody,
  ) {
    const draft: UserDraft = {
      role: field(form, 'role') ?? '',
      teamIds: fieldList(form, 'teamIds'),
      active: field(form, 'active') !== 'no',
      selfEdit: checkbox(form, 'selfEdit'),
    };
    const errors = new FormErrors('The changes were not saved:');
    try {
      const input = await validated(UpdateUserDto, { role: draft.role, teamIds: draft.teamIds, active: draft.active });
      const before = (await this.people.list(console.account.id)).find((u) => u.id === id);
      await this.users.update(console.account.id, console.user.id, id, input);
      if (before?.active && !draft.active) await this.auth.endAccess(console.account.id, id);
      await this.afterHours.setSelfEdit(console.caller, id, draft.selfEdit);
    } catch (error) {
      if (!isRefusal(error)) throw error;
      errors.addRefusal(error, (path) => USER_FIELDS[path as keyof typeof USER_FIELDS] ?? null);
    }
    if (!errors.empty) return this.editor(console, res, id, errors.view(), draft, 422);
    res.redirect(303, `/console/users/${id}?saved=1`);
  }

  @Post(':id/password')
  async setPassword(
    @CurrentConsole() console: ConsoleContext,
    @Res() res: Response,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() form: FormBody,
  ) {
    try {
      await this.auth.setPassword(console.account.id, id, field(form, 'password') ?? '');
    } catch (error) {
      if (!isRefusal(error)) throw error;
      const errors = new FormErrors('The password was not set:').addRefusal(error, () => USER_FIELDS.password);
      return this.editor(console, res, id, errors.view(), null, error.getStatus());
    }
    res.redirect(303, `/console/users/${id}?saved=password`);
  }

  @Post(':id/invite')
  async invite(
    @CurrentConsole() console: ConsoleContext,
    @Res() res: Response,
    @Param('id', ParseUUIDPipe) id: string,
  ) {
    const person = (await this.people.list(console.account.id)).find((u) => u.id === id);
    if (!person) throw new NotFoundException('No such user in this account');
    if (!person.active) throw new UnprocessableEntityException('Activate the user before inviting them');
    const { token } = await this.auth.createInvite(console.account.id, id, console.user.id);
    await this.editor(console, res, id, { invite: { name: person.name, url: this.inviteUrl(token) } }, null, 200);
  }

  private async editor(
    console: ConsoleContext,
    res: Response,
    id: string,
    extra: Record<string, unknown>,
    draft: UserDraft | null,
    status: number,
  ) {
    const accountId = console.account.id;
    const [people, teams] = await Promise.all([this.people.list(accountId), this.teams.list(accountId)]);
    const person = people.find((u) => u.id === id);
    if (!person) throw new NotFoundException('No such user in this account');
    const afterHours = await this.afterHours.user(console.caller, id);
    const shown: UserDraft = draft ?? {
      role: person.role,
      teamIds: person.teamIds,
      active: person.active,
      selfEdit: afterHours.selfEdit,
    };
    this.views.page(
      res,
      console,
      'user',
      {
        person,
        draft: shown,
        isMe: id === console.user.id,
        teams: teams.map((t) => ({ id: t.id, name: t.name, checked: shown.teamIds.includes(t.id) })),
        ...extra,
      },
      { title: person.name, nav: 'users', status },
    );
  }

  private inviteUrl(token: string): string {
    return `${this.env.PUBLIC_URL}/console/invite/${token}`;
  }

  /** Invite links are shown once, on the page that made them; other successes redirect. */
  private async act(
    console: ConsoleContext,
    res: Response,
    draft: Record<string, unknown>,
    action: () => Promise<Record<string, unknown> | null>,
  ) {
    try {
      const shown = await action();
      if (shown) return this.render(console, res, shown, 200);
    } catch (error) {
      if (!isRefusal(error)) throw error;
      const errors = new FormErrors('The person was not added:').addRefusal(
        error,
        (path) => ({ name: ADD_FIELDS.name, email: ADD_FIELDS.email, role: ADD_FIELDS.role })[path] ?? null,
      );
      return this.render(console, res, { ...errors.view(), draft }, error.getStatus());
    }
    res.redirect(303, '/console/users?saved=1');
  }

  private async render(console: ConsoleContext, res: Response, extra: Record<string, unknown>, status: number) {
    const users = await this.people.list(console.account.id);
    this.views.page(
      res,
      console,
      'users',
      { users, draft: { role: 'technician' }, ...extra },
      { title: 'Users', nav: 'users', status },
    );
  }
}
