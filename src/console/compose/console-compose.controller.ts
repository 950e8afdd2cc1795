import { Body, Controller, Get, HttpCode, HttpException, Post, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  CannedReplies,
  ComposeDto,
  ComposeService,
  ConversationQueries,
  PublicRoute,
  SmsNumbersService,
} from '../../sms';
import { ConsoleContext, CurrentConsole } from '../auth/console-request';
import { ConsoleSessionGuard } from '../auth/console-session.guard';
import { ConsoleExceptionFilter, messageOf } from '../console-exception.filter';
import { field, FormBody, FormErrors, FormField, validated } from '../console-form';
import { ConsoleViews } from '../console-views';
import { ConsoleInboxService, smsCounter } from '../inbox/console-inbox.service';
import { ConsoleTicketsService } from '../tickets/console-tickets.service';

const FIELDS: Record<string, FormField> = {
  to: { id: 'compose-to', label: 'To' },
  fromNumberId: { id: 'compose-from', label: 'From' },
  ticketId: { id: 'compose-ticket', label: 'Ticket' },
  body: { id: 'compose-body', label: 'Text' },
  cannedReplyId: { id: 'compose-canned', label: 'Canned reply' },
};

/** The form as typed, shown again with its errors. */
interface Draft {
  to: string;
  fromNumberId: string;
  ticketId: string;
  body: string;
  cannedReplyId: string;
}

/**
 * A new text to any phone (the module's compose): the thread is opened or found and the text goes as a reply in it,
 * so it is claimed, metered and scheduled as replies are. On success the browser goes to the thread in the inbox.
 */
@ApiExcludeController()
@PublicRoute()
@UseGuards(ConsoleSessionGuard)
@UseFilters(ConsoleExceptionFilter)
@Controller('console')
export class ConsoleComposeController {
  constructor(
    private readonly compose: ComposeService,
    private readonly queries: ConversationQueries,
    private readonly numbers: SmsNumbersService,
    private readonly cannedReplies: CannedReplies,
    private readonly tickets: ConsoleTicketsService,
    private readonly inbox: ConsoleInboxService,
    private readonly views: ConsoleViews,
  ) {}

  @Get('compose')
  async form(@CurrentConsole() console: ConsoleContext, @Res() res: Response) {
    const to = typeof res.req.query.to === 'string' ? res.req.query.to.slice(0, 40) : '';
    await this.render(console, res, { to, fromNumberId: '', ticketId: '', body: '', cannedReplyId: '' }, {}, 200);
  }

  @Post('compose')
  async send(@CurrentConsole() console: ConsoleContext, @Res() res: Response, @Body() form: FormBody) {
    const draft: Draft = {
      to: field(form, 'to') ?? '',
      fromNumberId: field(form, 'fromNumberId') ?? '',
      ticketId: field(form, 'ticketId') ?? '',
      body: field(form, 'body') ?? '',
      cannedReplyId: field(form, 'cannedReplyId') ?? '',
    };
    const errors = new FormErrors('The text was not sent:');
    try {
      // A canned reply chosen in the form is sent instead of the typed text (rendered for the new thread).
      const input = await validated(ComposeDto, {
        to: draft.to,
        fromNumberId: draft.fromNumberId || undefined,
        ticketId: draft.ticketId || undefined,
        body: draft.cannedReplyId ? undefined : draft.body,
        cannedReplyId: draft.cannedReplyId || undefined,
      });
      const sent = await this.compose.compose(await this.queries.viewer(console.caller), input);
      return res.redirect(303, `/console/inbox/${sent.conversationId}`);
    } catch (error) {
      if (!(error instanceof HttpException) || error.getStatus() >= 500) throw error;
      addComposeRefusal(errors, error);
    }
    await this.render(console, res, draft, errors.view(), 422);
  }

  /** The counter under the text: the typed draft's cost and when it goes (a new thread has no live reply). */
  @Post('api/compose/sms-preview')
  @HttpCode(200)
  async preview(@CurrentConsole() console: ConsoleContext, @Body() input: { smsBody?: unknown }) {
    const body = typeof input.smsBody === 'string' ? input.smsBody.slice(0, 5000) : '';
    return smsCounter(await this.inbox.previewReply(console.account.id, body), false, console.account.timezone);
  }

  private async render(
    console: ConsoleContext,
    res: Response,
    draft: Draft,
    extra: Record<string, unknown>,
    status: number,
  ) {
    const [numbers, replies, tickets] = await Promise.all([
      this.numbers.usableBy(console.caller),
      this.cannedReplies.list(await this.queries.viewer(console.caller)),
      this.tickets.list(console.account.id),
    ]);
    // Only numbers that can send: an unassigned or unverified one would be refused.
    const senders = numbers
      .filter((n) => n.kind !== 'unassigned' && n.verifiedAt)
      .map((n) => ({ id: n.id, label: n.label || n.number, number: n.number, selected: n.id === draft.fromNumberId }));
    this.views.page(
      res,
      console,
      'compose',
      {
        draft,
        senders,
        cannedReplies: replies.map((r) => ({ id: r.id, name: r.name, selected: r.id === draft.cannedReplyId })),
        tickets: tickets
          .filter((t) => t.status !== 'Resolved')
          .slice(0, 50)
          .map((t) => ({ ...t, selected: t.id === draft.ticketId })),
        ...extra,
      },
      { title: 'New text', nav: 'inbox', status, scripts: ['sms-counter.js'] },
    );
  }
}

/**
 * Puts a refusal at its field in plain words: the module prefixes a field's reasons with its API name ("to: …",
 * "fromNumberId: …"); a STOPped phone and a thread another member holds belong to To.
 */
function addComposeRefusal(errors: FormErrors, error: HttpException): void {
  const body = error.getResponse();
  if (typeof body === 'object' && Array.isArray((body as { problems?: unknown }).problems)) {
    errors.addRefusal(error, (path) => FIELDS[path] ?? null);
    return;
  }
  const message = messageOf(body).replace(/\s*\(takeOver: true\)/, '');
  const prefixed = /^(to|fromNumberId|ticketId|cannedReplyId): (.*)$/s.exec(message);
  if (prefixed) {
    errors.add(FIELDS[prefixed[1]], sentence(prefixed[2]));
    return;
  }
  const at =
    error.getStatus() === 409 || /texted STOP/.test(message)
      ? FIELDS.to
      : /canned reply/i.test(message)
        ? FIELDS.cannedReplyId
        : /ticket/i.test(message)
          ? FIELDS.ticketId
          : /SMS number|send from/i.test(message)
            ? FIELDS.fromNumberId
            : /empty|characters/i.test(message)
              ? FIELDS.body
              : null;
  errors.add(at, sentence(message));
}

function sentence(text: string): string {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}
