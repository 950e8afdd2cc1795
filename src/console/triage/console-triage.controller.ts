import {
  Body,
  Controller,
  Get,
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
import { InboundTriage, PublicRoute } from '../../sms';
import { ConsoleContext, CurrentConsole } from '../auth/console-request';
import { ConsoleSessionGuard } from '../auth/console-session.guard';
import { ConsoleExceptionFilter, messageOf } from '../console-exception.filter';
import { field, FormBody } from '../console-form';
import { ConsoleViews } from '../console-views';

const WHY: Record<string, string> = {
  guess: 'Ticket guessed among several open ones',
  unmatched: 'No ticket took it',
  failed: 'Could not be processed',
};

/** Customers' replies the rules were unsure of (a guessed ticket, none at all, a failure), and moving them. */
@ApiExcludeController()
@PublicRoute()
@UseGuards(ConsoleSessionGuard)
@UseFilters(ConsoleExceptionFilter)
@Controller('console')
export class ConsoleTriageController {
  constructor(
    private readonly triage: InboundTriage,
    private readonly views: ConsoleViews,
  ) {}

  @Get('triage')
  async list(@CurrentConsole() console: ConsoleContext, @Res() res: Response) {
    await this.render(console, res, {}, 200);
  }

  /** Moves a reply (its comment and photos) to the chosen ticket; back to the page it came from, or to triage. */
  @Post('triage/:messageId/move')
  async move(
    @CurrentConsole() console: ConsoleContext,
    @Res() res: Response,
    @Param('messageId', ParseUUIDPipe) messageId: string,
    @Body() form: FormBody,
  ) {
    const ticketId = field(form, 'ticketId') ?? '';
    const back = field(form, 'back') ?? '';
    // Only the console's own ticket pages: a form field never sends anyone elsewhere.
    const returnTo = /^\/console\/tickets\/[0-9a-f-]{36}$/i.test(back) ? back : '/console/triage';
    try {
      if (!/^[0-9a-f-]{36}$/i.test(ticketId)) throw new HttpException('Choose the ticket to move the reply to', 422);
      const moved = await this.triage.move(console.caller, messageId, ticketId);
      res.redirect(303, `${returnTo}?moved=${moved.ticketId ?? ''}`);
    } catch (error) {
      if (!(error instanceof HttpException) || error instanceof NotFoundException) throw error;
      await this.render(console, res, { error: messageOf(error.getResponse()) }, error.getStatus());
    }
  }

  /** A reload of a refused move's page shows the triage list. */
  @Get('triage/:messageId/move')
  back(@Res() res: Response) {
    res.redirect(303, '/console/triage');
  }

  private async render(console: ConsoleContext, res: Response, extra: Record<string, unknown>, status: number) {
    const { messages } = await this.triage.triage(console.caller);
    const moved = res.req.query.moved;
    this.views.page(
      res,
      console,
      'triage',
      {
        items: messages.map((m) => ({
          ...m,
          whyLabel: WHY[m.why] ?? m.why,
          candidates: m.candidates.map((c) => ({ ...c, current: c.id === m.ticketId })),
          movable: m.why !== 'failed' && m.candidates.length > 0,
        })),
        notice: typeof moved === 'string' && moved ? 'Reply moved.' : undefined,
        ...extra,
      },
      { title: 'Triage', nav: 'triage', status, styles: ['inbox.css'] },
    );
  }
}
