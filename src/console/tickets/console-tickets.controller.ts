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
  UnprocessableEntityException,
  UseGuards,
} from '@nestjs/common';
import { isUUID } from 'class-validator';
import { ApiExcludeController } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import type { Response } from 'express';
import { Repository } from 'typeorm';
import { AttachmentFiles } from '../../helpdesk/attachments/attachment-files';
import { Attachment } from '../../helpdesk/tickets/attachment.entity';
import { TICKET_STATUSES } from '../../helpdesk/tickets/ticket.entity';
import { TicketUpdateDto } from '../../helpdesk/tickets/tickets.dto';
import { TicketsService } from '../../helpdesk/tickets/tickets.service';
import { PublicRoute } from '../../sms';
import { ConsoleContext, CurrentConsole } from '../auth/console-request';
import { ConsoleSessionGuard } from '../auth/console-session.guard';
import { ConsoleExceptionFilter, messageOf } from '../console-exception.filter';
import { checkbox, field, FormBody, validated } from '../console-form';
import { ConsoleViews } from '../console-views';
import { CreditOutlook } from '../credit-outlook';
import { ConsoleTicketsService } from './console-tickets.service';

@ApiExcludeController()
@PublicRoute()
@UseGuards(ConsoleSessionGuard)
@UseFilters(ConsoleExceptionFilter)
@Controller('console')
export class ConsoleTicketsController {
  constructor(
    private readonly pages: ConsoleTicketsService,
    private readonly tickets: TicketsService,
    private readonly views: ConsoleViews,
    private readonly files: AttachmentFiles,
    private readonly outlook: CreditOutlook,
    @InjectRepository(Attachment) private readonly attachments: Repository<Attachment>,
  ) {}

  @Get('tickets/:id')
  async show(@CurrentConsole() console: ConsoleContext, @Res() res: Response, @Param('id', ParseUUIDPipe) id: string) {
    await this.render(console, res, id, {}, 200);
  }

  @Post('tickets/:id/updates')
  async update(
    @CurrentConsole() console: ConsoleContext,
    @Res() res: Response,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() form: FormBody,
  ) {
    const draft = {
      emailBody: field(form, 'emailBody') ?? '',
      smsBody: field(form, 'smsBody') ?? '',
      status: field(form, 'status') ?? '',
      fromNumberId: field(form, 'fromNumberId') ?? '',
    };
    try {
      const current = await this.tickets.get(console.account.id, id);
      // The status select always posts the current status: an update that writes nothing and changes nothing is refused.
      if (
        !draft.emailBody.trim() &&
        !draft.smsBody.trim() &&
        (draft.status || current.ticket.status) === current.ticket.status
      )
        throw new UnprocessableEntityException('Nothing to save: write a comment or an SMS, or change the status');
      const input = await validated(TicketUpdateDto, {
        emailBody: draft.emailBody || undefined,
        smsBody: draft.smsBody || undefined,
        status: draft.status && draft.status !== current.ticket.status ? draft.status : undefined,
        public: checkbox(form, 'public'),
        sendNow: checkbox(form, 'sendNow') || undefined,
        fromNumberId: draft.fromNumberId || undefined,
      });
      const { messageIds } = await this.tickets.update(console.account.id, console.user.id, id, input);
      res.redirect(303, `/console/tickets/${id}?saved=${messageIds[0] ?? 'comment'}`);
    } catch (error) {
      if (!(error instanceof HttpException) || error instanceof NotFoundException) throw error;
      await this.render(console, res, id, { error: messageOf(error.getResponse()), draft }, error.getStatus());
    }
  }

  /** A reload of a refused update's page (its address is the form's) shows the ticket. */
  @Get('tickets/:id/updates')
  back(@Res() res: Response, @Param('id', ParseUUIDPipe) id: string) {
    res.redirect(303, `/console/tickets/${id}`);
  }

  @Post('api/tickets/:id/sms-preview')
  @HttpCode(200)
  preview(
    @CurrentConsole() console: ConsoleContext,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: { smsBody?: unknown },
  ) {
    return this.pages.previewUpdate(
      console.caller,
      id,
      typeof body.smsBody === 'string' ? body.smsBody.slice(0, 5000) : '',
    );
  }

  @Get('attachments/:id')
  original(
    @CurrentConsole() console: ConsoleContext,
    @Param('id', ParseUUIDPipe) id: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.file(console, id, 'original', res);
  }

  @Get('attachments/:id/thumbnail')
  thumbnail(
    @CurrentConsole() console: ConsoleContext,
    @Param('id', ParseUUIDPipe) id: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.file(console, id, 'thumbnail', res);
  }

  private async file(console: ConsoleContext, id: string, variant: 'original' | 'thumbnail', res: Response) {
    const attachment = await this.attachments.findOne({ where: { accountId: console.account.id, id } });
    if (!attachment) throw new NotFoundException('No such attachment in this account');
    return this.files.stream(attachment, variant, res);
  }

  private async render(
    console: ConsoleContext,
    res: Response,
    id: string,
    extra: Record<string, unknown>,
    status: number,
  ) {
    const query = res.req.query;
    const [page, creditWarning] = await Promise.all([
      this.pages.page(console.caller, console.account, id, { all: query.all === '1' }),
      this.outlook.banner(console.account.id),
    ]);
    const saved = typeof query.saved === 'string' ? query.saved : null;
    const notice =
      saved === 'comment'
        ? 'Update saved.'
        : saved && isUUID(saved)
          ? await this.pages.outcome(console.caller, saved, console.account).catch((error: unknown) => {
              if (error instanceof NotFoundException) return undefined;
              throw error;
            })
          : undefined;
    this.views.page(
      res,
      console,
      'ticket',
      {
        ...page,
        statuses: TICKET_STATUSES,
        notice,
        creditWarning,
        pageUrl: `/console/tickets/${id}${query.all === '1' ? '?all=1' : ''}`,
        draft: { status: page.ticket.status },
        ...extra,
      },
      {
        title: `#${page.ticket.number} ${page.ticket.subject}`,
        nav: 'tickets',
        status,
        scripts: ['sms-counter.js', 'live-page.js', 'ticket-live.js'],
        styles: ['inbox.css'],
      },
    );
  }
}
