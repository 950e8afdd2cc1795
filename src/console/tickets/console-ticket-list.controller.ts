import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { TICKET_STATUSES } from '../../helpdesk/tickets/ticket.entity';
import { PublicRoute } from '../../sms';
import { ConsoleContext, CurrentConsole } from '../auth/console-request';
import { ConsoleSessionGuard } from '../auth/console-session.guard';
import { ConsoleExceptionFilter } from '../console-exception.filter';
import { field, FormBody } from '../console-form';
import { ConsoleViews } from '../console-views';
import { ConsoleTicketListService, TICKETS_PER_PAGE, ticketFilter, TicketFilter } from './console-ticket-list.service';

/** The query string of the list with these filters (and a page), for links that keep what was chosen. */
function listQuery(filter: TicketFilter, me: string, page = filter.page): string {
  const params = new URLSearchParams();
  if (filter.q) params.set('q', filter.q);
  for (const s of filter.statuses) params.append('status', s);
  if (filter.assignee) params.set('assignee', filter.assignee === me ? 'me' : filter.assignee);
  if (page > 1) params.set('page', String(page));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** Everyone's tickets list: search, filters by status and assignee, pages, and quick assignment. */
@ApiExcludeController()
@PublicRoute()
@UseGuards(ConsoleSessionGuard)
@UseFilters(ConsoleExceptionFilter)
@Controller('console/tickets')
export class ConsoleTicketListController {
  constructor(
    private readonly list: ConsoleTicketListService,
    private readonly views: ConsoleViews,
  ) {}

  @Get()
  async show(@CurrentConsole() console: ConsoleContext, @Res() res: Response) {
    const me = console.user.id;
    const filter = ticketFilter(res.req.query as Record<string, unknown>, me);
    const [{ total, tickets }, everyone] = await Promise.all([
      this.list.search(console.account.id, filter),
      this.list.people(console.account.id),
    ]);
    const people = everyone.filter((p) => p.deactivatedAt === null);
    const pages = Math.max(1, Math.ceil(total / TICKETS_PER_PAGE));
    const first = total === 0 ? 0 : (filter.page - 1) * TICKETS_PER_PAGE + 1;
    const here = listQuery(filter, me);
    this.views.page(
      res,
      console,
      'tickets',
      {
        filter,
        back: here,
        statuses: TICKET_STATUSES.map((s) => ({ value: s, checked: filter.statuses.includes(s) })),
        assignees: [
          { value: '', label: 'Anyone', selected: filter.assignee === '' },
          { value: 'me', label: 'Me', selected: filter.assignee === me },
          { value: 'none', label: 'Nobody', selected: filter.assignee === 'none' },
          ...people
            .filter((p) => p.id !== me)
            .map((p) => ({ value: p.id, label: p.name, selected: filter.assignee === p.id })),
        ],
        tickets: tickets.map((t) => ({
          ...t,
          // A deactivated assignee stays shown (and chosen) until someone else takes the ticket.
          people: everyone
            .filter((p) => p.deactivatedAt === null || p.id === t.assigneeUserId)
            .map((p) => ({
              id: p.id,
              name: p.deactivatedAt ? `${p.name} (deactivated)` : p.name,
              selected: p.id === t.assigneeUserId,
            })),
        })),
        total,
        shown: total === 0 ? 'No tickets match.' : `${first}–${first + tickets.length - 1} of ${total}`,
        page: filter.page,
        pages,
        previous: filter.page > 1 ? `/console/tickets${listQuery(filter, me, filter.page - 1)}` : null,
        next: filter.page < pages ? `/console/tickets${listQuery(filter, me, filter.page + 1)}` : null,
        filtered: Boolean(filter.q || filter.statuses.length || filter.assignee),
      },
      { title: 'Tickets', nav: 'tickets' },
    );
  }

  @Post(':id/assignee')
  async assign(
    @CurrentConsole() console: ConsoleContext,
    @Res() res: Response,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() form: FormBody,
  ) {
    const userId = field(form, 'userId') || null;
    if (userId !== null && !/^[0-9a-f-]{36}$/i.test(userId)) return res.redirect(303, '/console/tickets');
    await this.list.assign(console.account.id, id, userId);
    // Back to the same filters and page; only a query string of this list is followed.
    const back = field(form, 'back') ?? '';
    res.redirect(303, `/console/tickets${/^\?[\w=&%+.:-]*$/.test(back) ? back : ''}`);
  }
}
