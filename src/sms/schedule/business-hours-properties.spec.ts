import fc from 'fast-check';
import { DateTime } from 'luxon';
import { BusinessHours, isOpen, nextChange, nextOpening, Weekday, WeeklyInterval } from './business-hours';
import { DAY, HOUR, LONDON, MINUTE, NY, schedule, SYDNEY } from './business-hours.spec.fixtures';

describe('business hours: properties', () => {
  const ZONES = [NY, LONDON, SYDNEY, 'UTC'];
  // Transitions of the zones above in 2026, so that `from` often lands near one.
  const TRANSITIONS = [
    '2026-03-08T07:00:00Z',
    '2026-11-01T06:00:00Z',
    '2026-03-29T01:00:00Z',
    '2026-10-25T01:00:00Z',
    '2026-04-04T16:00:00Z',
    '2026-10-03T16:00:00Z',
  ].map((iso) => Date.parse(iso));
  const RUNS = 300;

  const hhmm = (minutes: number) =>
    `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  // Early-morning minutes are over-weighted because every DST change here happens between 01:00 and 03:00.
  const minuteOfDay = fc.oneof(
    fc.integer({ min: 0, max: 1439 }),
    fc.integer({ min: 0, max: 240 }),
    fc.constantFrom(0, 60, 90, 120, 150),
  );
  const interval = fc
    .record({
      day: fc.integer({ min: 1, max: 7 }),
      start: minuteOfDay,
      end: fc.oneof(minuteOfDay, fc.constant(1440)),
    })
    .filter((i) => i.start !== i.end)
    .map((i): WeeklyInterval => ({ day: i.day as Weekday, start: hhmm(i.start), end: hhmm(i.end) }));
  const instant = fc.oneof(
    fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2028-01-01T00:00:00Z') - 1 }),
    fc
      .tuple(fc.constantFrom(...TRANSITIONS), fc.integer({ min: -3 * DAY, max: 3 * DAY }))
      .map(([transition, shift]) => transition + shift),
  );
  // Whole quarter-hours hit interval boundaries exactly; arbitrary milliseconds test everything in between.
  const from = fc.oneof(
    instant,
    instant.map((t) => Math.floor(t / (15 * MINUTE)) * 15 * MINUTE),
  );
  const scenario = fc
    .record({
      timezone: fc.constantFrom(...ZONES),
      weekly: fc.array(interval, { maxLength: 6 }),
      holidayOffsets: fc.uniqueArray(fc.integer({ min: -1, max: 14 }), { maxLength: 4 }),
      from,
    })
    .map(({ timezone, weekly, holidayOffsets, from: t }) => {
      // Holidays near `from` are the ones that can change the answer.
      const today = DateTime.fromMillis(t, { zone: timezone }).startOf('day');
      const holidays = holidayOffsets.map((days) => today.plus({ days }).toFormat('yyyy-MM-dd'));
      return { hours: schedule(timezone, weekly, holidays), from: new Date(t) };
    });

  /** Samples every 15 minutes from `start` (inclusive) to `end`, plus the minute and millisecond before `end`. */
  const expectStateBetween = (hours: BusinessHours, start: number, end: number, open: boolean) => {
    const samples: number[] = [];
    for (let t = start; t < end; t += 15 * MINUTE) samples.push(t);
    samples.push(...[end - MINUTE, end - 1].filter((t) => t >= start));
    for (const t of samples) {
      if (isOpen(hours, new Date(t)) !== open) {
        throw new Error(`expected ${open ? 'open' : 'closed'} at ${new Date(t).toISOString()}`);
      }
    }
  };

  it('nextOpening is open, and nothing between `from` and it is', () => {
    fc.assert(
      fc.property(scenario, ({ hours, from: start }) => {
        const opening = nextOpening(hours, start);
        if (opening === null) {
          // Holidays cover at most 16 days, so a non-empty generated schedule always opens within the year.
          expect(hours.weekly).toEqual([]);
          expectStateBetween(hours, start.getTime(), start.getTime() + 14 * DAY, false);
          return;
        }
        expect(isOpen(hours, opening)).toBe(true);
        expect(opening.getTime()).toBeGreaterThanOrEqual(start.getTime());
        if (isOpen(hours, start)) expect(opening).toEqual(start);
        else expectStateBetween(hours, start.getTime(), opening.getTime(), false);
      }),
      { numRuns: RUNS },
    );
  });

  it('nextChange flips the state at its instant and not before', () => {
    fc.assert(
      fc.property(scenario, ({ hours, from: start }) => {
        const change = nextChange(hours, start);
        expect(change.open).toBe(isOpen(hours, start));
        if (change.at === null) {
          // Only sampled coarsely: a state that holds for a year is checked hourly for the first month.
          for (let t = start.getTime(); t < start.getTime() + 30 * DAY; t += HOUR) {
            expect(isOpen(hours, new Date(t))).toBe(change.open);
          }
          return;
        }
        expect(change.at.getTime()).toBeGreaterThan(start.getTime());
        expect(isOpen(hours, change.at)).toBe(!change.open);
        expectStateBetween(hours, start.getTime(), change.at.getTime(), change.open);
        if (!change.open) expect(change.at).toEqual(nextOpening(hours, start));
      }),
      { numRuns: RUNS },
    );
  });

  it('away from DST changes, isOpen matches the plain wall-clock rule', () => {
    const minutes = (hhmmText: string) => Number(hhmmText.slice(0, 2)) * 60 + Number(hhmmText.slice(3));
    const wallClockOpen = (hours: BusinessHours, at: Date) => {
      const now = DateTime.fromJSDate(at, { zone: hours.timezone });
      if (hours.holidays.includes(now.toFormat('yyyy-MM-dd'))) return false;
      const minute = now.hour * 60 + now.minute + now.second / 60 + now.millisecond / MINUTE;
      const yesterday = now.weekday === 1 ? 7 : now.weekday - 1;
      return hours.weekly.some(({ day, start, end }) => {
        const [from, to] = [minutes(start), minutes(end)];
        const overnight = to <= from;
        if (day === now.weekday && from <= minute && minute < (overnight ? 1440 : to)) return true;
        return overnight && day === yesterday && minute < to;
      });
    };
    fc.assert(
      fc.property(scenario, fc.integer({ min: 0, max: 14 * DAY }), ({ hours, from: start }, shift) => {
        const at = new Date(start.getTime() + shift);
        const offsetAt = (t: number) => DateTime.fromMillis(t, { zone: hours.timezone }).offset;
        fc.pre(offsetAt(at.getTime() - 2 * DAY) === offsetAt(at.getTime() + 2 * DAY));
        expect(isOpen(hours, at)).toBe(wallClockOpen(hours, at));
      }),
      { numRuns: RUNS },
    );
  });
});
