import {
  Body,
  Controller,
  Get,
  HttpException,
  Inject,
  Param,
  ParseUUIDPipe,
  Post,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { APP_CONFIG, Environment } from '../../config/app-config';
import { CreateUserDto } from '../../helpdesk/users/users.dto';
import { UsersService } from '../../helpdesk/users/users.service';
import { PublicRoute } from '../../sms';
import { ConsoleAuthService } from '../auth/console-auth.service';
import { ConsoleContext, ConsoleRoles, CurrentConsole } from '../auth/console-request';
import { ConsoleSessionGuard } from '../auth/console-session.guard';
import { ConsoleExceptionFilter, messageOf } from '../console-exception.filter';
import { field, FormBody, validated } from '../console-form';
import { ConsoleViews } from '../console-views';
import { ConsoleUsersService } from './console-users.service';

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

  @Post(':id/password')
  async setPassword(
    @CurrentConsole() console: ConsoleContext,
    @Res() res: Response,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() form: FormBody,
  ) {
    await this.act(console, res, {}, async () => {
      await this.auth.setPassword(console.account.id, id, field(form, 'password') ?? '');
      return null;
    });
  }

  @Post(':id/invite')
  async invite(
    @CurrentConsole() console: ConsoleContext,
    @Res() res: Response,
    @Param('id', ParseUUIDPipe) id: string,
  ) {
    await this.act(console, res, {}, async () => {
      const { token } = await this.auth.createInvite(console.account.id, id, console.user.id);
      const person = (await this.people.list(console.account.id)).find((u) => u.id === id);
      return { invite: { name: person?.name ?? 'the user', url: this.inviteUrl(token) } };
    });
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
      if (!(error instanceof HttpException) || error.getStatus() === 404) throw error;
      return this.render(console, res, { error: messageOf(error.getResponse()), draft }, error.getStatus());
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
