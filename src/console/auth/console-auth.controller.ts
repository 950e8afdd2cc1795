import { randomBytes, timingSafeEqual } from 'node:crypto';
import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpException,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { APP_CONFIG, Environment, servedOverHttps } from '../../config/app-config';
import { PublicRoute, retryAfterHeader } from '../../sms';
import { ConsoleExceptionFilter, messageOf } from '../console-exception.filter';
import { ConsoleViews } from '../console-views';
import { ConsoleAuthService, SESSION_IDLE_MS } from './console-auth.service';
import {
  ConsoleAnonymous,
  ConsoleRequest,
  CurrentConsole,
  ConsoleContext,
  readCookie,
  SESSION_COOKIE,
} from './console-request';
import { ConsoleSessionGuard } from './console-session.guard';

// Before there is a session, forms are protected by a double-submit token: a cookie and the same value in the form.
const PRE_SESSION_COOKIE = 'tsms_console_form';
// A random id this browser keeps; once it signed in to an email, guessing at that email elsewhere does not slow it.
const BROWSER_COOKIE = 'tsms_console_browser';
const BROWSER_COOKIE_MS = 90 * 86_400_000;
const COOKIE_VALUE = /^[\w-]{43}$/;

type Form = Record<string, unknown>;

/** A form field that must be one piece of text: a field sent twice, or JSON that is not a string, is refused. */
function text(form: Form, name: string): string {
  const value = form[name];
  if (value === undefined) return '';
  if (typeof value !== 'string') throw new BadRequestException(`${name} must be a single piece of text`);
  return value;
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
    @Inject(APP_CONFIG) private readonly env: Environment,
  ) {}

  /** `Secure` when PUBLIC_URL is https, whatever the request itself (or a client's X-Forwarded-Proto) says. */
  private cookieOptions(maxAge: number | undefined) {
    return { httpOnly: true, sameSite: 'lax' as const, secure: servedOverHttps(this.env), path: '/console', maxAge };
  }

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
  async signIn(@Req() req: ConsoleRequest, @Res() res: Response, @Body() form: Form = {}) {
    const next = safeNext(typeof form.next === 'string' ? form.next : undefined);
    const email = text(form, 'email');
    if (!this.preSessionTokenOk(req, form)) {
      return this.signInForm(
        req,
        res,
        { email, next, error: 'The sign-in form expired or is not ours; please try again' },
        403,
      );
    }
    try {
      const { token } = await this.auth.signIn(
        email,
        text(form, 'password'),
        req.ip ?? 'unknown',
        this.browser(req, res),
      );
      res.clearCookie(PRE_SESSION_COOKIE, this.cookieOptions(undefined));
      res.cookie(SESSION_COOKIE, token, this.cookieOptions(SESSION_IDLE_MS));
      res.redirect(303, next);
    } catch (error) {
      if (!(error instanceof HttpException)) throw error;
      const retryAfter = retryAfterHeader(error);
      if (retryAfter) res.setHeader('Retry-After', retryAfter);
      this.signInForm(req, res, { email, next, error: messageOf(error.getResponse()) }, error.getStatus());
    }
  }

  @Post('sign-out')
  async signOut(@CurrentConsole() console: ConsoleContext, @Res() res: Response) {
    await this.auth.signOut(console.session.id);
    res.clearCookie(SESSION_COOKIE, this.cookieOptions(undefined));
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
  async acceptInvite(
    @Req() req: ConsoleRequest,
    @Res() res: Response,
    @Param('token') token: string,
    @Body() form: Form = {},
  ) {
    const { user } = await this.auth.invitee(token);
    if (!this.preSessionTokenOk(req, form))
      return this.inviteForm(req, res, token, user, { error: 'The form expired; please try again' }, 403);
    try {
      await this.auth.acceptInvite(token, text(form, 'password'));
    } catch (error) {
      if (!(error instanceof HttpException)) throw error;
      return this.inviteForm(req, res, token, user, { error: messageOf(error.getResponse()) }, error.getStatus());
    }
    this.signInForm(
      req,
      res,
      { email: user.email, next: '/console', notice: 'Your password is set. Sign in with it now.' },
      200,
    );
  }

  private signInForm(req: ConsoleRequest, res: Response, data: Record<string, unknown>, status: number) {
    const signInCsrf = this.issuePreSessionToken(req, res);
    this.views.page(res, null, 'sign-in', { ...data, signInCsrf }, { title: 'Sign in', status });
  }

  private inviteForm(
    req: ConsoleRequest,
    res: Response,
    token: string,
    invitee: unknown,
    data: Record<string, unknown>,
    status: number,
  ) {
    const inviteCsrf = this.issuePreSessionToken(req, res);
    this.views.page(
      res,
      null,
      'invite',
      { ...data, token, invitee, inviteCsrf },
      { title: 'Choose your password', status },
    );
  }

  private issuePreSessionToken(req: ConsoleRequest, res: Response): string {
    const existing = readCookie(req, PRE_SESSION_COOKIE);
    const token = existing && COOKIE_VALUE.test(existing) ? existing : randomBytes(32).toString('base64url');
    res.cookie(PRE_SESSION_COOKIE, token, this.cookieOptions(3600_000));
    return token;
  }

  /** This browser's long-lived id, given on its first sign-in attempt. */
  private browser(req: ConsoleRequest, res: Response): string {
    const existing = readCookie(req, BROWSER_COOKIE);
    if (existing && COOKIE_VALUE.test(existing)) return existing;
    const id = randomBytes(32).toString('base64url');
    res.cookie(BROWSER_COOKIE, id, this.cookieOptions(BROWSER_COOKIE_MS));
    return id;
  }

  private preSessionTokenOk(req: ConsoleRequest, form: Form): boolean {
    const cookie = readCookie(req, PRE_SESSION_COOKIE);
    const given = form._csrf;
    if (!cookie || typeof given !== 'string' || cookie.length !== given.length) return false;
    return timingSafeEqual(Buffer.from(cookie), Buffer.from(given));
  }
}
