import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpException,
  Param,
  Post,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { PublicRoute, SmsTemplatesService, TEMPLATE_HELPERS, TEMPLATE_VARIABLES } from '../../sms';
import { ConsoleContext, ConsoleRoles, CurrentConsole } from '../auth/console-request';
import { ConsoleSessionGuard } from '../auth/console-session.guard';
import { ConsoleExceptionFilter } from '../console-exception.filter';
import { field, FormBody, FormErrors, isRefusal } from '../console-form';
import { ConsoleViews } from '../console-views';
import { ConsoleTicketsService } from '../tickets/console-tickets.service';

const DESCRIPTIONS: Record<string, string> = {
  initial_problem: 'Sent when a ticket is opened for a customer with a mobile phone.',
  ticket_update: 'Wraps the SMS text a technician writes in a ticket update.',
  after_hours: 'The automatic reply to a text that arrives while you are closed.',
};

const TEMPLATE_FIELD = { id: 'body', label: 'Template text' };

/** Admins edit SMS templates with a live preview against one of their tickets. */
@ApiExcludeController()
@PublicRoute()
@UseGuards(ConsoleSessionGuard)
@UseFilters(ConsoleExceptionFilter)
@ConsoleRoles('admin')
@Controller('console')
export class ConsoleTemplatesController {
  constructor(
    private readonly templates: SmsTemplatesService,
    private readonly tickets: ConsoleTicketsService,
    private readonly views: ConsoleViews,
  ) {}

  @Get('templates')
  async list(@CurrentConsole() console: ConsoleContext, @Res() res: Response) {
    const templates = (await this.templates.list(console.account.id)).map((t) => ({
      ...t,
      description: DESCRIPTIONS[t.key],
    }));
    this.views.page(res, console, 'templates', { templates }, { title: 'SMS templates', nav: 'templates' });
  }

  @Get('templates/:key')
  async edit(@CurrentConsole() console: ConsoleContext, @Res() res: Response, @Param('key') key: string) {
    const notice = res.req.query.saved
      ? 'Template saved.'
      : res.req.query.reset
        ? 'Template reset to the default.'
        : undefined;
    await this.editor(console, res, key, { notice }, 200);
  }

  @Post('templates/:key')
  async save(
    @CurrentConsole() console: ConsoleContext,
    @Res() res: Response,
    @Param('key') key: string,
    @Body() form: FormBody,
  ) {
    const body = field(form, 'body') ?? '';
    try {
      await this.templates.save(console.account.id, key, body, console.user.id);
    } catch (error) {
      if (!isRefusal(error)) throw error;
      const errors = new FormErrors('The template was not saved:').addRefusal(error, () => TEMPLATE_FIELD);
      return this.editor(console, res, key, { ...errors.view(), draft: body }, error.getStatus());
    }
    res.redirect(303, `/console/templates/${key}?saved=1`);
  }

  @Post('templates/:key/reset')
  async reset(@CurrentConsole() console: ConsoleContext, @Res() res: Response, @Param('key') key: string) {
    await this.templates.revert(console.account.id, key);
    res.redirect(303, `/console/templates/${key}?reset=1`);
  }

  @Post('api/templates/:key/preview')
  @HttpCode(200)
  preview(
    @CurrentConsole() console: ConsoleContext,
    @Param('key') key: string,
    @Body() input: { body?: unknown; ticketId?: unknown },
  ) {
    const ticketId =
      typeof input.ticketId === 'string' && /^[0-9a-f-]{36}$/i.test(input.ticketId) ? input.ticketId : undefined;
    const body = typeof input.body === 'string' ? input.body.slice(0, 5000) : undefined;
    return this.templates.preview(console.account.id, key, { body, ticketId }, console.user.id);
  }

  private async editor(
    console: ConsoleContext,
    res: Response,
    key: string,
    extra: Record<string, unknown>,
    status: number,
  ) {
    const template = (await this.templates.list(console.account.id)).find((t) => t.key === key);
    if (!template) throw new HttpException({ statusCode: 404, message: `No template "${key}"` }, 404);
    const tickets = (await this.tickets.list(console.account.id)).slice(0, 30);
    this.views.page(
      res,
      console,
      'template',
      {
        template,
        description: DESCRIPTIONS[key],
        draft: template.body,
        tickets,
        variables: TEMPLATE_VARIABLES,
        helpers: TEMPLATE_HELPERS,
        ...extra,
      },
      { title: `Template ${key}`, nav: 'templates', status, scripts: ['template-preview.js'] },
    );
  }
}
