/** Time zones, durations and schedules the business-hours specs are written in. */
import { DateTime } from 'luxon';
import { BusinessHours, Weekday, WeeklyInterval } from './business-hours';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const NY = 'America/New_York';
export const LONDON = 'Europe/London';
export const SYDNEY = 'Australia/Sydney';

export const utc = (iso: string) => new Date(iso);
/** Unambiguous local times only; DST edge cases below are written as UTC instants to avoid guessing. */
export const local = (zone: string, iso: string) => DateTime.fromISO(iso, { zone }).toJSDate();
export const every = (days: Weekday[], start: string, end: string): WeeklyInterval[] =>
  days.map((day) => ({ day, start, end }));
export const schedule = (timezone: string, weekly: WeeklyInterval[], holidays: string[] = []): BusinessHours => ({
  timezone,
  weekly,
  holidays,
});
