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
  SmsNumbersService,
  SmsSettingsService,
  SmsTemplatesService,
  splitSms,
  TemplateBudgetError,
  templateVariables,
} from '../../sms';
import type { ConsoleContext } from '../auth/console-request';
import { formatPhone, localTime } from '../console-views';
import { CreditOutlook } from '../credit-outlook';
import { authorOf, FINAL, groupTexts, statusLabel } from '../sms-texts';

type ConsoleAccount = ConsoleContext['account'];

/** Stream entries a ticket page shows, newest first; "show all" goes up to the second figure. */
const STREAM_SHOWN = 100;
const STREAM_MAX = 1000;

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
    private readonly numbers: SmsNumbersService,
    private readonly outlook: CreditOutlook,
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

  async page(caller: SmsCaller, account: ConsoleAccount, ticketId: string, options: { all?: boolean } = {}) {
    const accountId = caller.accountId;
    const { ticket, comments, attachments } = await this.tickets.get(accountId, ticketId);
    const customer = await this.customers.findOne({
      where: { accountId, id: ticket.customerId },
      relations: { phones: true },
    });
    const [messages, users, numbers, openTickets] = await Promise.all([
      this.messages.forTicket(caller, ticketId).then((read) => read.messages),
      this.users.find({ where: { accountId }, take: 1000 }),
      this.numbers.list(accountId),
      this.gateway.listOpenTickets(accountId, ticket.customerId),
    ]);
    const names = new Map(users.map((u) => [u.id, u.name]));
    const labels = new Map(numbers.map((n) => [n.number, n.label]));
    const now = this.clock.now();
    const texts = groupTexts(messages).map((text) => ({
      ...text,
      author: authorOf(text, names)?.label ?? null,
      number: text.businessNumber
        ? { number: text.businessNumber, label: labels.get(text.businessNumber) ?? null }
        : null,
      statusLabel: statusLabel(text, account.timezone, now),
      // A reply whose ticket the rules guessed can be moved to another open ticket of the customer (or confirmed).
      moveTo: text.matchGuess ? openTickets.map((t) => ({ ...t, current: t.id === ticketId })) : [],
    }));
    const byComment = new Map<string, typeof texts>();
    for (const text of texts) {
      if (!text.commentId || !comments.some((c) => c.id === text.commentId)) continue;
      byComment.set(text.commentId, [...(byComment.get(text.commentId) ?? []), text]);
    }
    const entries = [
      ...comments.map((c) => ({
        at: c.createdAt,
        comment: {
          ...c,
          author:
            c.authorType === 'customer'
              ? (customer?.name ?? 'Customer')
              : c.authorUserId
                ? (names.get(c.authorUserId) ?? 'A former user')
                : 'System',
          fromCustomer: c.authorType === 'customer',
          photos: attachments
            .filter((a) => a.commentId === c.id)
            .map((a) => ({
              ...a,
              url: `/console/attachments/${a.id}`,
              thumbnailUrl: a.thumbnailKey ? `/console/attachments/${a.id}/thumbnail` : null,
            })),
        },
        // The text as sent folds away when it only wraps the comment's own words in the template.
        texts: (byComment.get(c.id) ?? []).map((text) => ({
          ...text,
          folded: c.smsBody !== null && c.body === c.smsBody,
        })),
        text: null,
      })),
      ...texts
        .filter((t) => !t.commentId || !byComment.has(t.commentId))
        .map((t) => ({ at: t.createdAt, comment: null, texts: [], text: { ...t, folded: false } })),
    ].sort((a, b) => b.at.getTime() - a.at.getTime());
    const shown = options.all ? entries.slice(0, STREAM_MAX) : entries.slice(0, STREAM_SHOWN);
    return {
      ticket,
      customer,
      mobile: customer?.phones.find((p) => p.type === 'mobile')?.number ?? null,
      entries: shown,
      hidden: entries.length - shown.length,
      // Texts that may still change (waiting, sending): the page keeps refreshing while there are any.
      pending: texts.some((t) => !FINAL.has(t.status)),
      senders: (await this.numbers.usableBy(caller)).map((n) => ({ id: n.id, number: n.number, label: n.label })),
    };
  }

  /**
   * What really happens to the text an update just wrote, in words: scheduled (when), held for credits, not sent
   * (why), or on its way (to whom).
   */
  async outcome(caller: SmsCaller, messageId: string, account: ConsoleAccount): Promise<string> {
    const accountId = caller.accountId;
    const message = await this.messages.get(caller, messageId);
    const parts = (await this.messages.forTicket(caller, message.ticketId ?? '')).messages.filter(
      (m) => m.sendId === message.sendId,
    );
    const now = this.clock.now();
    if (message.status === 'scheduled' && message.sendAt)
      return `Update saved. The SMS is scheduled for ${localTime(message.sendAt, account.timezone, now)} (business hours).`;
    const needed = parts.reduce((sum, p) => sum + creditsFor('outbound', p.segments), 0);
    const short = message.status === 'pending' ? await this.outlook.shortFor(accountId, needed, true) : null;
    if (message.status === 'held_no_credit' || short) {
      const state = await this.outlook.state(accountId, true);
      return `Update saved. The SMS is held until credits are added (${needed} needed, ${state.remaining} left).`;
    }
    if (['skipped', 'opted_out', 'failed', 'undelivered'].includes(message.status))
      return `Update saved, but no SMS was sent: ${message.errorMessage ?? message.status.replace(/_/g, ' ')}.`;
    const to = message.toNumber ? ` to ${formatPhone(message.toNumber, account.defaultCountry).text}` : '';
    return `Update saved and the SMS is on its way${to}.`;
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
    const credits = parts.reduce((sum, p) => sum + creditsFor('outbound', p.segments), 0);
    const short = await this.outlook.shortFor(caller.accountId, credits);
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
      credits,
      nonGsmCharacters: analysis.nonGsmCharacters,
      tooLong: analysis.characters > MAX_SMS_CHARACTERS,
      schedule: {
        now: !later && !short,
        at: later ? due.toISOString() : null,
        label:
          short ??
          (later ? `Goes out ${localTime(due, context.account.timezone, now)} (business hours)` : 'Goes out now'),
      },
      blocked,
    };
  }
}
