import {
  BadRequestException,
  Inject,
  Injectable,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { runPrepared } from '../core/prepared';
import { TICKET_GATEWAY, type TicketGateway, TicketSmsContext } from '../ports/ticket-gateway.port';
import { SmsSettingsService } from '../settings/sms-settings.service';
import { SmsTemplate } from './sms-template.entity';
import {
  firstName,
  TEMPLATE_KEYS,
  TemplateBudgetError,
  TemplateKey,
  TemplateRenderer,
  TemplateVariables,
} from './template-renderer';
import { defaultTemplate } from './default-templates';
import { segmentWarning, textCost } from './text-cost';
import { type ResolvedSmsOptions, SMS_MODULE_OPTIONS } from '../sms.options';
import { TEMPLATE_BODY } from './templates.queries';

export function isTemplateKey(key: string): key is TemplateKey {
  return (TEMPLATE_KEYS as readonly string[]).includes(key);
}

/** The variables a template sees for one ticket. */
export function templateVariables(
  context: TicketSmsContext,
  extra: Partial<TemplateVariables> = {},
): TemplateVariables {
  return {
    ticket: {
      number: context.ticket.number,
      subject: context.ticket.subject,
      problem: context.ticket.problem,
      status: context.ticket.status,
    },
    customer: { name: context.customer.name, firstName: firstName(context.customer.name) },
    account: { name: context.account.name },
    technician: context.technician
      ? { name: context.technician.name, firstName: firstName(context.technician.name) }
      : undefined,
    portalUrl: context.ticket.portalUrl,
    timezone: context.account.timezone,
    ...extra,
  };
}

@Injectable()
export class SmsTemplatesService {
  readonly renderer = new TemplateRenderer();

  constructor(
    @InjectRepository(SmsTemplate) private readonly templates: Repository<SmsTemplate>,
    @Inject(TICKET_GATEWAY) private readonly gateway: TicketGateway,
    private readonly settings: SmsSettingsService,
    @Inject(SMS_MODULE_OPTIONS) private readonly options: ResolvedSmsOptions,
  ) {}

  /** Every key with the text in force and whether it is the shipped default. */
  async list(accountId: string) {
    const overrides = await this.templates.find({ where: { accountId } });
    return TEMPLATE_KEYS.map((key) => {
      const override = overrides.find((t) => t.key === key);
      return {
        key,
        body: override?.body ?? defaultTemplate(key, this.options.templatesDir),
        isDefault: !override,
        defaultBody: defaultTemplate(key, this.options.templatesDir),
        updatedAt: override?.updatedAt ?? null,
      };
    });
  }

  async source(accountId: string, key: TemplateKey, tx?: EntityManager): Promise<string> {
    const [override] = await runPrepared<{ body: string }>(tx ?? this.templates.manager, TEMPLATE_BODY, [
      accountId,
      key,
    ]);
    return this.inForce(key, override?.body ?? null);
  }

  /** The template in force for `key`: the account's own `body` (read as part of another statement), or the default. */
  inForce(key: TemplateKey, body: string | null): string {
    return body ?? defaultTemplate(key, this.options.templatesDir);
  }

  async render(accountId: string, key: TemplateKey, variables: TemplateVariables, tx?: EntityManager): Promise<string> {
    return this.renderer.render(await this.source(accountId, key, tx), variables);
  }

  async save(accountId: string, key: string, body: string, userId: string) {
    const templateKey = this.requireKey(key);
    this.assertValid(body);
    await this.templates.upsert({ accountId, key: templateKey, body, updatedByUserId: userId }, ['accountId', 'key']);
    return (await this.list(accountId)).find((t) => t.key === templateKey);
  }

  async revert(accountId: string, key: string) {
    const templateKey = this.requireKey(key);
    await this.templates.delete({ accountId, key: templateKey });
    return (await this.list(accountId)).find((t) => t.key === templateKey);
  }

  /** Renders `body` (or the template in force) against a ticket of the account, or example values. */
  async preview(accountId: string, key: string, input: { body?: string; ticketId?: string }, userId: string) {
    const templateKey = this.requireKey(key);
    const body = input.body ?? (await this.source(accountId, templateKey));
    this.assertValid(body);
    let variables = this.renderer.exampleVariables();
    if (input.ticketId) {
      const context = await this.gateway.getTicketContext(accountId, input.ticketId, userId);
      if (!context) throw new NotFoundException('No such ticket in this account');
      variables = templateVariables(context, { message: variables.message, businessHours: variables.businessHours });
    }
    const text = this.renderPreview(body, variables);
    // As the account would send it: its smart encoding, and in split mode one SMS (and credit) per part.
    const cost = textCost(text, await this.settings.get(accountId));
    // Warned, not refused: a template may need two segments by choice, but it should be a choice.
    return { ...cost, warning: segmentWarning(cost) };
  }

  /** A real ticket's values can take a template past its budget where the examples did not. */
  private renderPreview(body: string, variables: TemplateVariables): string {
    try {
      return this.renderer.render(body, variables);
    } catch (error) {
      if (!(error instanceof TemplateBudgetError)) throw error;
      const { message, line, column } = error;
      throw new UnprocessableEntityException({
        statusCode: 422,
        error: 'Unprocessable Entity',
        message: `Line ${line}, column ${column}: ${message}`,
        problems: [{ message, line, column }],
      });
    }
  }

  private requireKey(key: string): TemplateKey {
    if (!isTemplateKey(key))
      throw new NotFoundException(`No template "${key}"; templates are ${TEMPLATE_KEYS.join(', ')}`);
    return key;
  }

  /** 422 with every problem (line and column) of a template body; also used for canned replies. */
  assertValid(body: string): void {
    if (typeof body !== 'string') throw new BadRequestException('body must be a string');
    const problems = this.renderer.validate(body);
    if (problems.length > 0) {
      const first = problems[0];
      throw new UnprocessableEntityException({
        statusCode: 422,
        error: 'Unprocessable Entity',
        message: `Line ${first.line}, column ${first.column}: ${first.message}`,
        problems,
      });
    }
  }
}
