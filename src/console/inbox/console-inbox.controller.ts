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
  Query,
  Res,
  Sse,
  UseFilters,
  UnprocessableEntityException,
  UseGuards,
} from '@nestjs/common';
import { isUUID } from 'class-validator';
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
import { ConsoleViews } from '../console-views';
import { CreditOutlook } from '../credit-outlook';
import { ConsoleInboxService, INBOX_VIEWS, InboxFilter, InboxView, smsCounter } from './console-inbox.service';

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
    private readonly credits: CreditOutlook,
    @Inject(APP_CONFIG) private readonly env: Environment,
  ) {}

  @Get('inbox')
  async list(@CurrentConsole() console: ConsoleContext, @Res() res: Response, @Query() query: FormBody) {
    await this.render(console, res, null, inboxFilter(query), {}, 200);
  }

  /** Counts for the navigation badge and the tab title on every page. */
  @Get('api/inbox/counts')
  counts(@CurrentConsole() console: ConsoleContext) {
    return this.inbox.counts(console.caller);
  }

  @Get('inbox/:id')
  async show(
    @CurrentConsole() console: ConsoleContext,
    @Res() res: Response,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: FormBody,
  ) {
    await this.render(console, res, id, inboxFilter(query), {}, 200);
  }

  /** A reload of a refused action's page (its address is the form's) shows the thread, not an error. */
  @Get('inbox/:id/:action')
  back(@Res() res: Response, @Param('id', ParseUUIDPipe) id: string, @Param('action') action: string) {
    if (!ACTIONS.includes(action)) throw new NotFoundException('No such inbox page');
    res.redirect(303, `/console/inbox/${id}${listQuery(inboxFilter(res.req.query as FormBody))}`);
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
    return smsCounter(p, live, console.account.timezone);
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
    return this.limits.userStream(
      user.id,
      this.events.untilShutdown(events.pipe(takeUntil(merge(endedHere, endedAnywhere)))),
    );
  }

  /**
   * Runs an action, then shows the thread again (303, so a reload does not repeat it) or the reason it was refused:
   * that page carries the thread's address, which the live script puts back in the address bar and keeps refreshing.
   */
  private async act(
    console: ConsoleContext,
    res: Response,
    id: string,
    extra: Record<string, unknown>,
    action: () => Promise<unknown>,
  ) {
    const filter = inboxFilter(res.req.query as FormBody);
    try {
      await action();
    } catch (error) {
      if (!(error instanceof HttpException) || error instanceof NotFoundException) throw error;
      return this.render(
        console,
        res,
        id,
        filter,
        { error: messageOf(error.getResponse()), ...extra },
        error.getStatus(),
      );
    }
    res.redirect(303, `/console/inbox/${id}${listQuery(filter)}`);
  }

  private async render(
    console: ConsoleContext,
    res: Response,
    id: string | null,
    filter: InboxFilter,
    extra: Record<string, unknown>,
    status: number,
  ) {
    const [conversations, counts, numbers, thread, creditWarning] = await Promise.all([
      this.inbox.list(console.caller, id, filter),
      this.inbox.counts(console.caller, filter.numberId),
      this.inbox.filterNumbers(console.caller),
      id ? this.inbox.thread(console.caller, id) : Promise.resolve(null),
      this.credits.banner(console.account.id),
    ]);
    const cannedReplies = thread ? await this.cannedReplies.list(await this.queries.viewer(console.caller)) : [];
    const query = listQuery(filter);
    const waiting = counts.waiting > 0 ? `(${counts.waiting}) ` : '';
    this.views.page(
      res,
      console,
      'inbox',
      {
        conversations,
        unread: conversations.filter((c) => c.unread).length,
        thread,
        cannedReplies,
        counts,
        creditWarning,
        query,
        threadUrl: id ? `/console/inbox/${id}${query}` : `/console/inbox${query}`,
        tabs: INBOX_VIEWS.map((view) => ({
          view,
          label: TAB_LABELS[view],
          count: counts[view],
          current: view === filter.view,
          href: `/console/inbox${listQuery({ ...filter, view })}`,
        })),
        numbers: numbers.map((n) => ({ ...n, selected: n.id === filter.numberId })),
        filter,
        ...extra,
      },
      {
        title: `${waiting}${thread ? `Inbox · ${thread.contactName ?? thread.contactPhone}` : 'Inbox'}`,
        nav: 'inbox',
        status,
        navCounts: { inbox: counts.waiting },
        scripts: ['sms-counter.js', 'live-page.js', 'inbox-live.js'],
        styles: ['inbox.css'],
      },
    );
  }
}

const ACTIONS = ['reply', 'claim', 'release', 'transfer'];

const TAB_LABELS: Record<InboxView, string> = {
  all: 'All',
  waiting: 'Waiting',
  mine: 'Mine',
  unassigned: 'Unassigned',
};

/** The list's filter from the query string; 422 for a value the list does not know. */
function inboxFilter(query: FormBody): InboxFilter {
  const view = field(query, 'view') || 'all';
  const number = field(query, 'number') || null;
  if (!(INBOX_VIEWS as readonly string[]).includes(view))
    throw new UnprocessableEntityException(`view must be one of ${INBOX_VIEWS.join(', ')}`);
  if (number !== null && !isUUID(number)) throw new UnprocessableEntityException('number must be an SMS number id');
  return { view: view as InboxView, numberId: number };
}

function listQuery(filter: InboxFilter): string {
  const params = new URLSearchParams();
  if (filter.view !== 'all') params.set('view', filter.view);
  if (filter.numberId) params.set('number', filter.numberId);
  const text = params.toString();
  return text ? `?${text}` : '';
}
