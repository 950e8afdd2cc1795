import { Inject, Injectable, UnprocessableEntityException } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock } from '../clock/clock';
import { TICKET_GATEWAY, type TicketGateway } from '../ports/ticket-gateway.port';
import { SmsSettings } from '../settings/sms-settings.entity';
import { SmsSettingsChanges, SmsSettingsService } from '../settings/sms-settings.service';
import {
  BusinessHours,
  BusinessHoursProblem,
  nextChange,
  nextOpening,
  validateBusinessHours,
  WeeklyInterval,
} from './business-hours';
import { toBusinessHoursStatus } from './business-hours.dto';

/** What an account that never set hours gets: Monday to Friday, 09:00–17:00, in its own time zone. */
export function defaultBusinessHours(timezone: string): BusinessHours {
  const weekly = ([1, 2, 3, 4, 5] as const).map((day) => ({ day, start: '09:00', end: '17:00' }));
  return { timezone, weekly, holidays: [] };
}

/**
 * Checks hours typed by an admin and returns them in canonical form (only known fields, intervals in
 * weekday order, holidays sorted once each); 422 listing every problem otherwise.
 */
export function checkBusinessHours(input: unknown, field: string): BusinessHours {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw unprocessable([{ field, message: 'Business hours need a timezone, weekly intervals and holidays.' }]);
  }
  const hours = input as BusinessHours;
  const problems = validateBusinessHours(hours).map((p) => ({ field: `${field}.${p.field}`, message: p.message }));
  if (problems.length > 0) throw unprocessable(problems);
  const weekly: WeeklyInterval[] = hours.weekly
    .map(({ day, start, end }) => ({ day, start, end }))
    .sort((a, b) => a.day - b.day || a.start.localeCompare(b.start));
  return { timezone: hours.timezone, weekly, holidays: [...new Set(hours.holidays)].sort() };
}

function unprocessable(problems: BusinessHoursProblem[]): UnprocessableEntityException {
  return new UnprocessableEntityException({
    statusCode: 422,
    error: 'Unprocessable Entity',
    message: problems.map((p) => `${p.field}: ${p.message}`).join(' '),
    problems,
  });
}

/** An account's business hours as settings: defaults, validation on save, and "open now / next change". */
@Injectable()
export class BusinessHoursService {
  constructor(
    private readonly settings: SmsSettingsService,
    @Inject(TICKET_GATEWAY) private readonly gateway: TicketGateway,
    private readonly clock: Clock,
  ) {}

  /** The hours in force: the account's own, or the default in the account's time zone. */
  async hoursOf(accountId: string, settings?: SmsSettings, tx?: EntityManager): Promise<BusinessHours> {
    const current = settings ?? (await this.settings.get(accountId, tx));
    if (current.businessHours) return current.businessHours;
    const account = await this.gateway.getAccount(accountId, tx);
    return defaultBusinessHours(account?.timezone ?? 'UTC');
  }

  /** Canonical hours in `changes`, or 422 with every problem; refuses "business hours only" with hours that never open. */
  async prepare<T extends SmsSettingsChanges>(accountId: string, changes: T): Promise<T> {
    const prepared: T = { ...changes };
    if (changes.businessHours !== undefined && changes.businessHours !== null) {
      prepared.businessHours = checkBusinessHours(changes.businessHours, 'businessHours');
    }
    const current = await this.settings.get(accountId);
    const merged = { ...current, ...prepared };
    if (merged.businessHoursOnly && nextOpening(await this.hoursOf(accountId, merged), this.clock.now()) === null) {
      throw unprocessable([
        {
          field: 'businessHours.weekly',
          message:
            'These hours never open within a year, so held texts would never go; add opening hours or turn businessHoursOnly off.',
        },
      ]);
    }
    return prepared;
  }

  /** Whether a change to these settings moves the opening of waiting texts. */
  static movesSchedule(changes: SmsSettingsChanges): boolean {
    return changes.businessHours !== undefined || changes.businessHoursOnly !== undefined;
  }

  /** The hours in force, whether they are the default, whether open now and when that changes. */
  async describe(accountId: string, settings: SmsSettings) {
    const hours = await this.hoursOf(accountId, settings);
    return {
      businessHours: hours,
      businessHoursDefault: settings.businessHours === null,
      ...toBusinessHoursStatus(hours, nextChange(hours, this.clock.now())),
    };
  }
}
