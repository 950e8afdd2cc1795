import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpException,
  Inject,
  MessageEvent,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Res,
  Sse,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { concatMap, filter, from, interval, map, merge, Observable, takeUntil } from 'rxjs';
import { APP_CONFIG, Environment } from '../../config/app-config';
import {
  CannedReplies,
  ConversationClaims,
  ConversationQueries,
  ConversationReplies,
  ConversationReplyDto,
  hears,
  LiveReplies,
  PublicRoute,
  RateLimits,
  SmsEvents,
} from '../../sms';
import { ConsoleAuthService } from '../auth/console-auth.service';
import { ConsoleContext, CurrentConsole } from '../auth/console-request';
import { ConsoleSessionGuard } from '../auth/console-session.guard';
import { ConsoleExceptionFilter, messageOf } from '../console-exception.filter';
import { checkbox, field, FormBody, validated } from '../console-form';
import { ConsoleViews, localTime } from '../console-views';
import { ConsoleInboxService } from './console-inbox.service';

const HEARTBEAT_MS = 25_000;

@ApiExcludeController()
@PublicRoute()
@UseGuards(ConsoleSessionGuard)
@UseFilters(ConsoleExceptionFilter)
@Controller('console')
export class ConsoleInboxController {
  constructor(
    private readonly inbox: ConsoleInboxService,
    private readonly queries: ConversationQueries,
    private readonly replies: ConversationReplies,
    private readonly claims: ConversationClaims,
    private readonly liveReplies: LiveReplies,
    private readonly cannedReplies: CannedReplies,
    private readonly events: SmsEvents,
    private readonly views: ConsoleViews,
    private readonly auth: ConsoleAuthService,
    private readonly limits: RateLimits,
    @Inject(APP_CONFIG) private readonly env: Environment,
  ) {}

  @Get('inbox')
  async list(@CurrentConsole() console: ConsoleContext, @Res() res: Response) {
    await this.render(console, res, null, {}, 200);
  }

  @Get('inbox/:id')
  async show(@CurrentConsole() console: ConsoleContext, @Res() res: Response, @Param('id', ParseUUIDPipe) id: string) {
    await this.render(console, res, id, {}, 200);
  }

  @Post('inbox/:id/reply')
  async reply(
    @CurrentConsole() console: ConsoleContext,
    @Res() res: Response,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() form: FormBody,
  ) {
    const body = field(form, 'body') ?? '';
    // A canned reply chosen in the form is sent instead of the typed text (rendered for this conversation).
    const cannedReplyId = field(form, 'cannedReplyId') || undefined;
    await this.act(console, res, id, { draft: body }, async () => {
      const input = await validated(ConversationReplyDto, {
        body: cannedReplyId ? undefined : body,
        cannedReplyId,
        sendNow: checkbox(form, 'sendNow') || undefined,
      });
      await this.replies.reply(await this.queries.viewer(console.caller), id, input);
    });
  }

  @Post('inbox/:id/claim')
  async claim(@CurrentConsole() console: ConsoleContext, @Res() res: Response, @Param('id', ParseUUIDPipe) id: string) {
    await this.act(console, res, id, {}, async () => this.claims.claim(await this.queries.viewer(console.caller), id));
  }

  @Post('inbox/:id/release')
  async release(
    @CurrentConsole() console: ConsoleContext,
    @Res() res: Response,
    @Param('id', ParseUUIDPipe) id: string,
  ) {
    await this.act(console, res, id, {}, async () =>
      this.claims.release(await this.queries.viewer(console.caller), id),
    );
  }

  @Post('inbox/:id/transfer')
  async transfer(
    @CurrentConsole() console: ConsoleContext,
    @Res() res: Response,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() form: FormBody,
  ) {
    const userId = field(form, 'userId') ?? '';
    await this.act(console, res, id, {}, async () => {
      if (!/^[0-9a-f-]{36}$/i.test(userId)) throw new HttpException('Choose who to transfer the thread to', 422);
      await this.claims.transfer(await this.queries.viewer(console.caller), id, userId);
    });
  }

  @Post('api/conversations/:id/sms-preview')
  @HttpCode(200)
  async preview(
    @CurrentConsole() console: ConsoleContext,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() input: { smsBody?: unknown },
  ) {
    const { view } = await this.queries.get(await this.queries.viewer(console.caller), id);
    const p = await this.inbox.previewReply(
      console.account.id,
      typeof input.smsBody === 'string' ? input.smsBody.slice(0, 5000) : '',
    );
    // Closed, but the contact texted recently: a reply goes now all the same.
    const live = !p.now && (await this.liveReplies.isLive(view.conversation));
    const now = p.now || live;
    const label = live
      ? 'Goes out now (they texted recently)'
      : now
        ? 'Goes out now'
        : `Goes out ${localTime(p.due, console.account.timezone, p.checkedAt)} (business hours)`;
    return {
      ...p,
      now,
      nonGsmCharacters: [],
      schedule: { now, at: now ? null : p.due.toISOString(), label },
      blocked: null,
    };
  }

  /** Live inbox: the same conversation events as GET /api/sms/events, for the signed-in browser (EventSource sends cookies, not tokens). */
  @Sse('events')
  async stream(@CurrentConsole() console: ConsoleContext): Promise<Observable<MessageEvent>> {
    const viewer = await this.queries.viewer(console.caller);
    const live = (await this.events.stream()).pipe(
      filter((e) => e.audience.accountId === viewer.accountId && hears(e.audience, viewer)),
      map((e): MessageEvent => ({ id: e.id, type: e.type, data: { type: e.type, at: e.at, ...e.data } })),
    );
    // The stream ends with its session: at once for a sign-out or new password in this process, else at the next check.
    const { session, user } = console;
    const endedHere = this.auth
      .sessionsEnded()
      .pipe(filter((e) => ('sessionId' in e ? e.sessionId === session.id : e.userId === user.id)));
    const endedAnywhere = interval(this.env.STREAM_SESSION_CHECK_MS).pipe(
      concatMap(() => from(this.auth.alive(session.id).catch(() => true))),
      filter((alive) => !alive),
    );
    const events = merge(
      live,
      interval(HEARTBEAT_MS).pipe(map((): MessageEvent => ({ type: 'keep-alive', data: '' }))),
    );
    return this.limits.userStream(user.id, events.pipe(takeUntil(merge(endedHere, endedAnywhere))));
  }

  /** Runs an action, then shows the thread again (303, so a reload does not repeat it) or the reason it was refused. */
  private async act(
    console: ConsoleContext,
    res: Response,
    id: string,
    extra: Record<string, unknown>,
    action: () => Promise<unknown>,
  ) {
    try {
      await action();
    } catch (error) {
      if (!(error instanceof HttpException) || error instanceof NotFoundException) throw error;
      return this.render(console, res, id, { error: messageOf(error.getResponse()), ...extra }, error.getStatus());
    }
    res.redirect(303, `/console/inbox/${id}`);
  }

  private async render(
    console: ConsoleContext,
    res: Response,
    id: string | null,
    extra: Record<string, unknown>,
    status: number,
  ) {
    const conversations = await this.inbox.list(console.caller, id);
    const thread = id ? await this.inbox.thread(console.caller, id) : null;
    const cannedReplies = thread ? await this.cannedReplies.list(await this.queries.viewer(console.caller)) : [];
    this.views.page(
      res,
      console,
      'inbox',
      { conversations, thread, cannedReplies, ...extra },
      {
        title: thread ? `Inbox · ${thread.contactName ?? thread.contactPhone}` : 'Inbox',
        nav: 'inbox',
        status,
        scripts: ['sms-counter.js', 'inbox-live.js'],
      },
    );
  }
}
