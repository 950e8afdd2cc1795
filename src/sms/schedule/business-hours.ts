import { IANAZone } from 'luxon';

// Business hours: pure functions over an account's weekly schedule in its IANA zone. The semantics, one per line:
// An interval on local date D is open from `start` on D until (excluding) `end` on D, or on D+1 when end <= start.
// A holiday closes its own local date only: overnight hours running into it are closed, hours running out of it open.
// A wall time is placed at the first instant reading that time or later: gap 02:30 → 03:00, repeated 01:30 → first one.
// So each interval is one fixed span of instants (01:30–03:00 on fall-back day stays open through the repeat).
// isOpen, nextOpening and nextChange all test those same spans, so they always agree with one another.
// Invalid schedules and Dates throw RangeError: callers are expected to validateBusinessHours when saving.

export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7; // ISO: 1 = Monday
export interface WeeklyInterval {
  day: Weekday;
  /** 'HH:mm', 00:00–23:59 */
  start: string;
  /** 'HH:mm' or '24:00'; end <= start means the interval runs overnight into the next day */
  end: string;
}
export interface BusinessHours {
  timezone: string;
  weekly: WeeklyInterval[];
  /** 'YYYY-MM-DD' local dates, closed all day */
  holidays: string[];
}
export interface BusinessHoursProblem {
  field: string;
  message: string;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const MINUTES_PER_DAY = 24 * 60;
/** How far past `from` the search looks before concluding the state never changes: a year, leap day included. */
const HORIZON_MS = 366 * DAY_MS;
/** UTC offsets lie within -12:00..+14:00, so any instant showing a given wall time is within 14 h of it. */
const OFFSET_REACH_MS = 14 * HOUR_MS;

/** Memos are cleared wholesale at this size: bounded without bookkeeping, and they refill from the few keys in use. */
const MEMO_LIMIT = 100_000;
/** Zone offset per `${zone} ${UTC hour}`, or null for an hour in which the offset changes. */
const steadyOffsets = new Map<string, number | null>();
/** instantOfWall per `${zone} ${wall}`: schedules place the same few wall times again and again. */
const placedWallTimes = new Map<string, number>();

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Problems a person can fix in the settings form; an empty list means the schedule is usable. */
export function validateBusinessHours(hours: BusinessHours): BusinessHoursProblem[] {
  const problems: BusinessHoursProblem[] = [];
  const add = (field: string, message: string) => problems.push({ field, message });

  // Fields are read as `unknown` because settings arrive from JSON and the database, not only from typed code.
  const timezone: unknown = hours.timezone;
  if (typeof timezone !== 'string' || timezone.trim() === '') {
    add('timezone', 'Choose a time zone, for example "America/New_York".');
  } else if (!IANAZone.create(timezone).isValid) {
    // create() caches the zone and its validity; isValidZone() would build a new Intl formatter on every call.
    add(
      'timezone',
      `"${timezone}" is not a known IANA time zone; use a name such as "America/New_York" or "Europe/London".`,
    );
  }

  const weekly: unknown = hours.weekly;
  if (!Array.isArray(weekly)) {
    add('weekly', 'Weekly hours must be a list of intervals (it may be empty).');
  } else {
    weekly.forEach((entry: unknown, i) => {
      const at = `weekly[${i}]`;
      if (typeof entry !== 'object' || entry === null) {
        add(at, 'Each interval needs a day, a start time and an end time.');
        return;
      }
      const { day, start, end } = entry as Record<string, unknown>;
      if (typeof day !== 'number' || !Number.isInteger(day) || day < 1 || day > 7) {
        add(`${at}.day`, `Day must be a whole number from 1 (Monday) to 7 (Sunday); got ${describe(day)}.`);
      }
      const startMinute = parseStart(start);
      if (startMinute === null) {
        add(
          `${at}.start`,
          start === '24:00'
            ? 'An interval cannot start at 24:00; start it at 00:00 on the next day.'
            : `Start time must be "HH:mm" on a 24-hour clock (00:00 to 23:59); got ${describe(start)}.`,
        );
      }
      const endMinute = parseEnd(end);
      if (endMinute === null) {
        add(`${at}.end`, `End time must be "HH:mm" on a 24-hour clock (00:01 to 24:00); got ${describe(end)}.`);
      }
      if (startMinute !== null && endMinute === startMinute) {
        add(
          `${at}.end`,
          `The interval starts and ends at ${String(start)}, so it is empty; ` +
            'for a whole day use 00:00 to 24:00, and to run overnight end earlier than the start.',
        );
      }
    });
  }

  const holidays: unknown = hours.holidays;
  if (!Array.isArray(holidays)) {
    add('holidays', 'Holidays must be a list of dates (it may be empty).');
  } else {
    holidays.forEach((date: unknown, i) => {
      const at = `holidays[${i}]`;
      if (typeof date !== 'string' || !DATE.test(date)) {
        add(at, `A holiday must be a date written "YYYY-MM-DD", for example "2026-12-25"; got ${describe(date)}.`);
      } else if (dayNumberOf(date) === null) {
        add(at, `"${date}" is not a real calendar date.`);
      }
    });
  }
  return problems;
}

/** Whether the account is open at `at`. Throws a RangeError when the schedule is invalid. */
export function isOpen(hours: BusinessHours, at: Date): boolean {
  return openAt(compile(hours), instantOf(at, 'at'));
}

/** `from` itself when open; otherwise the first instant after `from` that is open; null when the schedule never opens (no intervals, within a 1-year horizon). */
export function nextOpening(hours: BusinessHours, from: Date): Date | null {
  const schedule = compile(hours);
  const t = instantOf(from, 'from');
  if (openAt(schedule, t)) return new Date(t);
  const opening = firstInstantWithState(schedule, t, true);
  return opening === null ? null : new Date(opening);
}

/** Whether open at `at`, and the next instant the state flips (null if never within the horizon). */
export function nextChange(hours: BusinessHours, at: Date): { open: boolean; at: Date | null } {
  const schedule = compile(hours);
  const t = instantOf(at, 'at');
  const open = openAt(schedule, t);
  const flip = firstInstantWithState(schedule, t, !open);
  return { open, at: flip === null ? null : new Date(flip) };
}

interface MinuteRange {
  /** minutes after local midnight of the interval's day */
  start: number;
  /** minutes after the same midnight; above 1440 when the interval runs overnight */
  end: number;
}
/** One interval placed on one local date, as a half-open range of epoch milliseconds. */
interface Occurrence {
  start: number;
  end: number;
}
interface Schedule {
  zone: IANAZone;
  /** index 1..7 = ISO weekday */
  byWeekday: MinuteRange[][];
  /** local dates as days since 1970-01-01 */
  holidays: Set<number>;
  /** occurrences per local day number; searches revisit the same days many times */
  occurrences: Map<number, Occurrence[]>;
}

function compile(hours: BusinessHours): Schedule {
  const problems = validateBusinessHours(hours);
  if (problems.length > 0) {
    throw new RangeError(`Invalid business hours: ${problems.map((p) => `${p.field}: ${p.message}`).join(' ')}`);
  }
  const byWeekday: MinuteRange[][] = Array.from({ length: 8 }, () => []);
  for (const interval of hours.weekly) {
    // Validation above guarantees both parse.
    const start = parseStart(interval.start) ?? 0;
    const end = parseEnd(interval.end) ?? 0;
    byWeekday[interval.day].push({ start, end: end > start ? end : end + MINUTES_PER_DAY });
  }
  const holidays = new Set(hours.holidays.map((date) => dayNumberOf(date) ?? Number.NaN));
  return { zone: IANAZone.create(hours.timezone), byWeekday, holidays, occurrences: new Map() };
}

function openAt(schedule: Schedule, t: number): boolean {
  const day = localDay(schedule, t);
  if (schedule.holidays.has(day)) return false;
  // Intervals of the day before can run overnight into `day`; the day after matters only where a
  // fall-back at midnight shows the previous date again after the next date's intervals have begun.
  for (let d = day - 1; d <= day + 1; d++) {
    for (const o of occurrencesOn(schedule, d)) {
      if (o.start <= t && t < o.end) return true;
    }
  }
  return false;
}

/** First instant after `from` with open state `wanted`; only instants where the state can change are tested. */
function firstInstantWithState(schedule: Schedule, from: number, wanted: boolean): number | null {
  if (wanted && schedule.byWeekday.every((ranges) => ranges.length === 0)) return null;
  const limit = from + HORIZON_MS;
  const pending: number[] = [];
  // Start two days back: intervals begun on earlier dates can still end after `from`.
  for (let day = localDay(schedule, from) - 2; ; day++) {
    const dayStart = instantOfWall(schedule.zone, day * DAY_MS);
    const nextDayStart = instantOfWall(schedule.zone, (day + 1) * DAY_MS);
    pending.push(dayStart); // holidays switch on and off where the local date changes
    for (const o of occurrencesOn(schedule, day)) pending.push(o.start, o.end);
    const shift = offsetChangeBetween(schedule.zone, dayStart, nextDayStart);
    if (shift !== null) pending.push(shift); // a fall-back across midnight shows yesterday's date (maybe a holiday) again
    // Later days only add candidates at or after nextDayStart, so everything before it is final.
    pending.sort((a, b) => a - b);
    while (pending.length > 0 && pending[0] < nextDayStart) {
      const t = pending[0];
      pending.shift();
      if (t > limit) return null;
      if (t > from && openAt(schedule, t) === wanted) return t;
    }
    if (nextDayStart > limit) return null;
  }
}

function occurrencesOn(schedule: Schedule, day: number): Occurrence[] {
  const cached = schedule.occurrences.get(day);
  if (cached) return cached;
  const midnight = day * DAY_MS;
  const placed = schedule.byWeekday[isoWeekday(day)].map((r) => ({
    start: instantOfWall(schedule.zone, midnight + r.start * MINUTE_MS),
    end: instantOfWall(schedule.zone, midnight + r.end * MINUTE_MS),
  }));
  schedule.occurrences.set(day, placed);
  return placed;
}

/** Local calendar date at `t` as days since 1970-01-01; luxon's own wall-time arithmetic, minus building a DateTime. */
function localDay(schedule: Schedule, t: number): number {
  return Math.floor(wallOf(schedule.zone, t) / DAY_MS);
}

/** A 'YYYY-MM-DD' date as days since 1970-01-01, or null when no such calendar date exists (e.g. 2026-02-30). */
function dayNumberOf(date: string): number | null {
  const match = DATE.exec(date);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day); // setUTCFullYear, unlike Date.UTC, keeps years 0–99 as written
  const real = utc.getUTCFullYear() === year && utc.getUTCMonth() === month - 1 && utc.getUTCDate() === day;
  return real ? utc.getTime() / DAY_MS : null;
}

/** 1970-01-01 (day 0) was a Thursday, ISO weekday 4. */
function isoWeekday(day: number): Weekday {
  return ((((day % 7) + 10) % 7) + 1) as Weekday;
}

/** zone.offset(t) (an Intl call) memoised per UTC hour whose two ends agree: offset changes are never an hour apart. */
function offsetAt(zone: IANAZone, t: number): number {
  const hour = Math.floor(t / HOUR_MS);
  const key = `${zone.name} ${hour}`;
  let steady = steadyOffsets.get(key);
  if (steady === undefined) {
    const atStart = zone.offset(hour * HOUR_MS);
    steady = zone.offset((hour + 1) * HOUR_MS - 1) === atStart ? atStart : null;
    if (steadyOffsets.size >= MEMO_LIMIT) steadyOffsets.clear();
    steadyOffsets.set(key, steady);
  }
  return steady ?? zone.offset(t);
}

/** Local wall time at `t`, encoded as if it were a UTC timestamp. */
function wallOf(zone: IANAZone, t: number): number {
  return t + offsetAt(zone, t) * MINUTE_MS;
}

/** First instant whose local time is at or after `wall`: the gap's end for skipped times, first of repeated ones. */
function instantOfWall(zone: IANAZone, wall: number): number {
  const key = `${zone.name} ${wall}`;
  const known = placedWallTimes.get(key);
  if (known !== undefined) return known;
  const placed = placeWallTime(zone, wall);
  if (placedWallTimes.size >= MEMO_LIMIT) placedWallTimes.clear();
  placedWallTimes.set(key, placed);
  return placed;
}

/** instantOfWall without the memo: try each offset the zone has near `wall`, else search the gap. */
function placeWallTime(zone: IANAZone, wall: number): number {
  const offsets = [
    offsetAt(zone, wall - OFFSET_REACH_MS),
    offsetAt(zone, wall),
    offsetAt(zone, wall + OFFSET_REACH_MS),
  ];
  let first = Number.POSITIVE_INFINITY;
  for (const offset of offsets) {
    const t = wall - offset * MINUTE_MS;
    if (offsetAt(zone, t) === offset && t < first) first = t;
  }
  if (first !== Number.POSITIVE_INFINITY) return first;
  // In a gap: with the larger offset the instant shows an earlier wall time, with the smaller a later one.
  let before = wall - Math.max(...offsets) * MINUTE_MS;
  let after = wall - Math.min(...offsets) * MINUTE_MS;
  while (after - before > 1) {
    const mid = Math.floor((before + after) / 2);
    if (wallOf(zone, mid) >= wall) after = mid;
    else before = mid;
  }
  return after;
}

/** The instant in [from, to) where the UTC offset changes, if it does; a day holds at most one change in practice. */
function offsetChangeBetween(zone: IANAZone, from: number, to: number): number | null {
  const initial = offsetAt(zone, from);
  if (offsetAt(zone, to - 1) === initial) return null;
  let same = from;
  let changed = to - 1;
  while (changed - same > 1) {
    const mid = Math.floor((same + changed) / 2);
    if (offsetAt(zone, mid) === initial) same = mid;
    else changed = mid;
  }
  return changed;
}

function parseStart(value: unknown): number | null {
  const match = typeof value === 'string' ? TIME.exec(value) : null;
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}

function parseEnd(value: unknown): number | null {
  return value === '24:00' ? MINUTES_PER_DAY : parseStart(value);
}

function instantOf(date: Date, name: string): number {
  const t = date instanceof Date ? date.getTime() : Number.NaN;
  if (!Number.isFinite(t)) throw new RangeError(`${name} must be a valid Date`);
  return t;
}

function describe(value: unknown): string {
  return typeof value === 'string'
    ? `"${value}"`
    : value === undefined
      ? 'nothing'
      : (JSON.stringify(value) ?? String(value));
}
