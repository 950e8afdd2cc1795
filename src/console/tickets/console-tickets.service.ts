import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { Customer } from '../../helpdesk/customers/customer.entity';
import { HelpdeskTicketGateway } from '../../helpdesk/helpdesk-ticket.gateway';
import { Ticket } from '../../helpdesk/tickets/ticket.entity';
import { TicketsService } from '../../helpdesk/tickets/tickets.service';
import { User } from '../../helpdesk/users/user.entity';
import {
  analyzeSms,
  Clock,
  creditsFor,
  MAX_SMS_CHARACTERS,
  SendSchedule,
  SmsCaller,
  SmsMessagesService,
  SmsSettingsService,
  SmsTemplatesService,
  splitSms,
  TemplateBudgetError,
  templateVariables,
  toSmsMessageResponse,
} from '../../sms';
import { localTime } from '../console-views';

export interface SmsDraftPreview {
  text: string;
  characters: number;
  encoding: string;
  segments: number;
  /** SMS the text goes as (split mode sends one per part). */
  messages: number;
  credits: number;
  nonGsmCharacters: string[];
  tooLong: boolean;
  /** What business hours will do with it. */
  schedule: { now: boolean; at: string | null; label: string };
  /** Why nothing would be sent at all (no mobile phone, SMS off…). */
  blocked: string | null;
}

/** Ticket pages: the ticket with its comments, photos and texts, and the live preview of an SMS draft. */
@Injectable()
export class ConsoleTicketsService {
  constructor(
    private readonly tickets: TicketsService,
    private readonly messages: SmsMessagesService,
    private readonly templates: SmsTemplatesService,
    private readonly settings: SmsSettingsService,
    private readonly schedule: SendSchedule,
    private readonly clock: Clock,
    private readonly gateway: HelpdeskTicketGateway,
    @InjectRepository(Ticket) private readonly ticketRows: Repository<Ticket>,
    @InjectRepository(Customer) private readonly customers: Repository<Customer>,
    @InjectRepository(User) private readonly users: Repository<User>,
  ) {}

  async list(accountId: string) {
    const tickets = await this.ticketRows.find({ where: { accountId }, order: { updatedAt: 'DESC' }, take: 100 });
    const customers = await this.customers.find({
      where: { accountId, id: In([...new Set(tickets.map((t) => t.customerId))]) },
    });
    return tickets.map((t) => ({ ...t, customer: customers.find((c) => c.id === t.customerId) ?? null }));
  }

  async page(caller: SmsCaller, ticketId: string) {
    const accountId = caller.accountId;
    const { ticket, comments, attachments } = await this.tickets.get(accountId, ticketId);
    const customer = await this.customers.findOne({
      where: { accountId, id: ticket.customerId },
      relations: { phones: true },
    });
    const authorIds = [...new Set(comments.map((c) => c.authorUserId).filter((id): id is string => !!id))];
    const authors = authorIds.length ? await this.users.find({ where: { accountId, id: In(authorIds) } }) : [];
    const sms = (await this.messages.forTicket(caller, ticketId)).messages.map(toSmsMessageResponse);
    return {
      ticket,
      customer,
      mobile: customer?.phones.find((p) => p.type === 'mobile')?.number ?? null,
      comments: comments.map((c) => ({
        ...c,
        author:
          c.authorType === 'customer'
            ? (customer?.name ?? 'Customer')
            : (authors.find((a) => a.id === c.authorUserId)?.name ?? 'System'),
        fromCustomer: c.authorType === 'customer',
        photos: attachments
          .filter((a) => a.commentId === c.id)
          .map((a) => ({
            ...a,
            url: `/console/attachments/${a.id}`,
            thumbnailUrl: a.thumbnailKey ? `/console/attachments/${a.id}/thumbnail` : null,
          })),
      })),
      sms,
    };
  }

  /** The ticket_update text as it would go: rendered, counted and charged like a real send, with the hours applied. */
  async previewUpdate(caller: SmsCaller, ticketId: string, smsBody: string): Promise<SmsDraftPreview> {
    const context = await this.gateway.getTicketContext(caller.accountId, ticketId, caller.userId);
    if (!context) throw new NotFoundException('No such ticket in this account');
    const message = smsBody.trim();
    let text = '';
    let stopped: string | null = null;
    try {
      text = message
        ? await this.templates.render(caller.accountId, 'ticket_update', templateVariables(context, { message }))
        : '';
    } catch (error) {
      // The account's template runs away with this text: say so, as a send would record it.
      if (!(error instanceof TemplateBudgetError)) throw error;
      stopped = `The ticket_update template stopped at line ${error.line}, column ${error.column}: ${error.message}`;
    }
    const settings = await this.settings.get(caller.accountId);
    const analysis = analyzeSms(text, { smartEncoding: settings.smartEncoding });
    const parts = text ? splitSms(text, { smartEncoding: settings.smartEncoding, mode: settings.splitMode }) : [];
    const now = this.clock.now();
    const due = await this.schedule.dueAt(caller.accountId, now);
    const later = due.getTime() > now.getTime();
    let blocked: string | null = null;
    if (stopped) blocked = stopped;
    else if (!settings.enabled) blocked = 'SMS is turned off for this account';
    else if (!context.customer.smsEnabled) blocked = 'The customer has SMS turned off';
    else if (!context.customer.phones.some((p) => p.type === 'mobile')) blocked = 'The customer has no mobile phone';
    return {
      text: analysis.text,
      characters: analysis.characters,
      encoding: analysis.encoding,
      segments: analysis.segments,
      messages: parts.length,
      credits: parts.reduce((sum, p) => sum + creditsFor('outbound', p.segments), 0),
      nonGsmCharacters: analysis.nonGsmCharacters,
      tooLong: analysis.characters > MAX_SMS_CHARACTERS,
      schedule: {
        now: !later,
        at: later ? due.toISOString() : null,
        label: later ? `Goes out ${localTime(due, context.account.timezone, now)} (business hours)` : 'Goes out now',
      },
      blocked,
    };
  }
}
