import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Body, Controller, Get, HttpException, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { PublicRoute } from '../../sms';
import { ConsoleExceptionFilter, messageOf } from '../console-exception.filter';
import { ConsoleViews } from '../console-views';
import { ConsoleAuthService, SESSION_IDLE_MS } from './console-auth.service';
import { ConsoleAnonymous, ConsoleRequest, CurrentConsole, ConsoleContext, readCookie, SESSION_COOKIE } from './console-request';
import { ConsoleSessionGuard } from './console-session.guard';

// Before there is a session, forms are protected by a double-submit token: a cookie and the same value in the form.
const PRE_SESSION_COOKIE = 'tsms_console_form';

type Form = Record<string, string | undefined>;

function cookieOptions(req: ConsoleRequest, maxAge: number) {
  return { httpOnly: true, sameSite: 'lax' as const, secure: req.secure, path: '/console', maxAge };
}

/** Only same-site console paths: never an open redirect to another host. */
function safeNext(next: string | undefined): string {
  return next && /^\/console(\/|$)/.test(next) && !next.startsWith('//') ? next : '/console';
}

@ApiExcludeController()
@PublicRoute()
@UseGuards(ConsoleSessionGuard)
@UseFilters(ConsoleExceptionFilter)
@Controller('console')
export class ConsoleAuthController {
  constructor(
    private readonly auth: ConsoleAuthService,
    private readonly views: ConsoleViews,
  ) {}

  @Get()
  @ConsoleAnonymous()
  home(@Res() res: Response) {
    res.redirect(303, '/console/tickets');
  }

  @Get('sign-in')
  @ConsoleAnonymous()
  signInPage(@Req() req: ConsoleRequest, @Res() res: Response, @Query('next') next?: string) {
    this.signInForm(req, res, { next: safeNext(next) }, 200);
  }

  @Post('sign-in')
  @ConsoleAnonymous()
  async signIn(@Req() req: ConsoleRequest, @Res() res: Response, @Body() form: Form) {
    const email = form.email ?? '';
    if (!this.preSessionTokenOk(req, form)) {
      return this.signInForm(req, res, { email, next: safeNext(form.next), error: 'The sign-in form expired or is not ours; please try again' }, 403);
    }
    try {
      const { token } = await this.auth.signIn(email, form.password ?? '', req.ip ?? 'unknown');
      res.clearCookie(PRE_SESSION_COOKIE, { path: '/console' });
      res.cookie(SESSION_COOKIE, token, cookieOptions(req, SESSION_IDLE_MS));
      res.redirect(303, safeNext(form.next));
    } catch (error) {
      if (!(error instanceof HttpException)) throw error;
      this.signInForm(req, res, { email, next: safeNext(form.next), error: messageOf(error.getResponse()) }, error.getStatus());
    }
  }

  @Post('sign-out')
  async signOut(@CurrentConsole() console: ConsoleContext, @Res() res: Response) {
    await this.auth.signOut(console.session.id);
    res.clearCookie(SESSION_COOKIE, { path: '/console' });
    res.redirect(303, '/console/sign-in');
  }

  @Get('invite/:token')
  @ConsoleAnonymous()
  async invitePage(@Req() req: ConsoleRequest, @Res() res: Response, @Param('token') token: string) {
    const { user } = await this.auth.invitee(token);
    this.inviteForm(req, res, token, user, {}, 200);
  }

  @Post('invite/:token')
  @ConsoleAnonymous()
  async acceptInvite(@Req() req: ConsoleRequest, @Res() res: Response, @Param('token') token: string, @Body() form: Form) {
    const { user } = await this.auth.invitee(token);
    if (!this.preSessionTokenOk(req, form)) return this.inviteForm(req, res, token, user, { error: 'The form expired; please try again' }, 403);
    try {
      await this.auth.acceptInvite(token, form.password ?? '');
    } catch (error) {
      if (!(error instanceof HttpException)) throw error;
      return this.inviteForm(req, res, token, user, { error: messageOf(error.getResponse()) }, error.getStatus());
    }
    this.signInForm(req, res, { email: user.email, next: '/console', notice: 'Your password is set. Sign in with it now.' }, 200);
  }

  private signInForm(req: ConsoleRequest, res: Response, data: Record<string, unknown>, status: number) {
    const signInCsrf = this.issuePreSessionToken(req, res);
    this.views.page(res, null, 'sign-in', { ...data, signInCsrf }, { title: 'Sign in', status });
  }

  private inviteForm(req: ConsoleRequest, res: Response, token: string, invitee: unknown, data: Record<string, unknown>, status: number) {
    const inviteCsrf = this.issuePreSessionToken(req, res);
    this.views.page(res, null, 'invite', { ...data, token, invitee, inviteCsrf }, { title: 'Choose your password', status });
  }

  private issuePreSessionToken(req: ConsoleRequest, res: Response): string {
    const existing = readCookie(req, PRE_SESSION_COOKIE);
    const token = existing && /^[\w-]{43}$/.test(existing) ? existing : randomBytes(32).toString('base64url');
    res.cookie(PRE_SESSION_COOKIE, token, cookieOptions(req, 3600_000));
    return token;
  }

  private preSessionTokenOk(req: ConsoleRequest, form: Form): boolean {
    const cookie = readCookie(req, PRE_SESSION_COOKIE);
    const given = form._csrf;
    if (!cookie || !given || cookie.length !== given.length) return false;
    return timingSafeEqual(Buffer.from(cookie), Buffer.from(given));
  }
}
