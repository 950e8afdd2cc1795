import { Body, Controller, Get, Post, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  AfterHoursSettingsService,
  AvailabilityService,
  CannedReplies,
  MAX_SIGN_OFF_LENGTH,
  PublicRoute,
  SaveAfterHoursOverrideDto,
  SignOffDto,
  toAvailabilityResponse,
} from '../../sms';
import { ConsoleAuthService } from '../auth/console-auth.service';
import { ConsoleContext, CurrentConsole } from '../auth/console-request';
import { ConsoleSessionGuard } from '../auth/console-session.guard';
import { ConsoleExceptionFilter } from '../console-exception.filter';
import { checkbox, field, FormBody, FormErrors, FormField, isRefusal, validated } from '../console-form';
import { ConsoleViews } from '../console-views';

const FIELDS: Record<string, FormField> = {
  currentPassword: { id: 'current-password', label: 'Current password' },
  password: { id: 'new-password', label: 'New password' },
  repeat: { id: 'repeat-password', label: 'New password again' },
  body: { id: 'reply-body', label: 'Your own text' },
  signOff: { id: 'sign-off', label: 'Sign-off' },
};

const NOTICES: Record<string, string> = {
  password: 'Password changed. Your other sessions were signed out; this one stays.',
  away: 'You are away: texts to your direct numbers also reach your teams.',
  available: 'You are available again.',
  reply: 'Your after-hours reply is saved.',
  reset: "Your after-hours reply follows your team's or the account's again.",
  'sign-off': 'Your sign-off is saved.',
  'sign-off-cleared': 'Your texts go without a sign-off.',
};

interface Drafts {
  reply?: { enabled: boolean; body: string };
  signOff?: string;
}

/** Everyone's own page: their password, their availability, and their after-hours reply when they may edit it. */
@ApiExcludeController()
@PublicRoute()
@UseGuards(ConsoleSessionGuard)
@UseFilters(ConsoleExceptionFilter)
@Controller('console/profile')
export class ConsoleProfileController {
  constructor(
    private readonly auth: ConsoleAuthService,
    private readonly availability: AvailabilityService,
    private readonly afterHours: AfterHoursSettingsService,
    private readonly cannedReplies: CannedReplies,
    private readonly views: ConsoleViews,
  ) {}

  @Get()
  async show(@CurrentConsole() console: ConsoleContext, @Res() res: Response) {
    const done = res.req.query.done;
    await this.render(console, res, { notice: typeof done === 'string' ? NOTICES[done] : undefined }, {}, 200);
  }

  @Post('password')
  async password(@CurrentConsole() console: ConsoleContext, @Res() res: Response, @Body() form: FormBody) {
    const current = field(form, 'currentPassword') ?? '';
    const next = field(form, 'password') ?? '';
    const errors = new FormErrors('Your password was not changed:');
    if (!current) errors.add(FIELDS.currentPassword, 'Write your current password.');
    if (next !== (field(form, 'repeat') ?? '')) errors.add(FIELDS.repeat, 'The two new passwords are not the same.');
    await this.act(console, res, errors, {}, 'password', () =>
      this.auth.changeOwnPassword(console.user, current, next, console.session.id),
    );
  }

  @Post('availability')
  async setAvailability(@CurrentConsole() console: ConsoleContext, @Res() res: Response, @Body() form: FormBody) {
    const away = field(form, 'status') === 'away';
    const { accountId, userId } = console.caller;
    await this.availability.setStatus(accountId, userId, away ? 'away' : 'available');
    res.redirect(303, `/console/profile?done=${away ? 'away' : 'available'}`);
  }

  @Post('after-hours')
  async saveReply(@CurrentConsole() console: ConsoleContext, @Res() res: Response, @Body() form: FormBody) {
    const draft = { enabled: checkbox(form, 'enabled'), body: field(form, 'body') ?? '' };
    const errors = new FormErrors('Your after-hours reply was not saved:');
    await this.act(console, res, errors, { reply: draft }, 'reply', async () => {
      const body = draft.body.trim();
      const input = await validated(SaveAfterHoursOverrideDto, { enabled: draft.enabled, body: body ? body : null });
      await this.afterHours.saveUser(console.caller, console.user.id, input);
    });
  }

  @Post('after-hours/reset')
  async resetReply(@CurrentConsole() console: ConsoleContext, @Res() res: Response) {
    await this.act(console, res, new FormErrors('Not reset:'), {}, 'reset', async () => {
      await this.afterHours.resetUser(console.caller, console.user.id);
    });
  }

  @Post('sign-off')
  async saveSignOff(@CurrentConsole() console: ConsoleContext, @Res() res: Response, @Body() form: FormBody) {
    const draft = field(form, 'signOff') ?? '';
    // The clear button sends the form without the text; a blank field clears too.
    const text = field(form, 'clear') ? '' : draft;
    const errors = new FormErrors('Your sign-off was not saved:');
    await this.act(
      console,
      res,
      errors,
      { signOff: draft },
      text.trim() ? 'sign-off' : 'sign-off-cleared',
      async () => {
        const input = await validated(SignOffDto, { signOff: text.trim() ? text : null });
        await this.cannedReplies.setSignOff(console.caller.accountId, console.caller.userId, input.signOff);
      },
    );
  }

  private async act(
    console: ConsoleContext,
    res: Response,
    errors: FormErrors,
    drafts: Drafts,
    done: string,
    action: () => Promise<unknown>,
  ) {
    try {
      if (errors.empty) await action();
    } catch (error) {
      if (!isRefusal(error)) throw error;
      errors.addRefusal(error, (path) => FIELDS[path] ?? null);
    }
    if (!errors.empty) return this.render(console, res, errors.view(), drafts, 422);
    res.redirect(303, `/console/profile?done=${done}`);
  }

  private async render(
    console: ConsoleContext,
    res: Response,
    extra: Record<string, unknown>,
    drafts: Drafts,
    status: number,
  ) {
    const { accountId, userId } = console.caller;
    const availability = toAvailabilityResponse(await this.availability.statusOf(accountId, userId));
    const reply = await this.afterHours.user(console.caller, userId);
    const signOff = await this.cannedReplies.signOffOf(accountId, userId);
    const mayEditReply = console.user.role === 'admin' || reply.selfEdit;
    this.views.page(
      res,
      console,
      'profile',
      {
        availability,
        away: availability.status !== 'available',
        reply: drafts.reply ?? {
          enabled: reply.override?.enabled ?? true,
          body: reply.override?.body ?? '',
        },
        override: reply.override,
        mayEditReply,
        signOff,
        signOffDraft: drafts.signOff ?? signOff ?? '',
        signOffMax: MAX_SIGN_OFF_LENGTH,
        ...extra,
      },
      { title: 'My profile', nav: 'profile', status },
    );
  }
}
