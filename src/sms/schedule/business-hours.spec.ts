import { DateTime } from 'luxon';
import {
  BusinessHours,
  isOpen,
  nextChange,
  nextOpening,
  validateBusinessHours,
  Weekday,
  WeeklyInterval,
} from './business-hours';
import { every, local, LONDON, NY, schedule, SYDNEY, utc } from './business-hours.spec.fixtures';

describe('business hours: worked examples', () => {
  const officeHours = schedule(NY, every([1, 2, 3, 4, 5], '08:00', '17:00'));

  it('Friday evening waits until Monday 08:00', () => {
    const friday = local(NY, '2026-01-16T18:00');
    expect(isOpen(officeHours, friday)).toBe(false);
    expect(nextOpening(officeHours, friday)).toEqual(local(NY, '2026-01-19T08:00'));
    expect(nextChange(officeHours, friday)).toEqual({ open: false, at: local(NY, '2026-01-19T08:00') });
  });

  it('returns `from` itself while open, and the closing time as the next change', () => {
    const tuesday = local(NY, '2026-01-20T10:15:30.250');
    expect(isOpen(officeHours, tuesday)).toBe(true);
    expect(nextOpening(officeHours, tuesday)).toEqual(tuesday);
    expect(nextChange(officeHours, tuesday)).toEqual({ open: true, at: local(NY, '2026-01-20T17:00') });
  });

  it('treats the start as open and the end as closed', () => {
    expect(isOpen(officeHours, local(NY, '2026-01-20T08:00'))).toBe(true);
    expect(isOpen(officeHours, local(NY, '2026-01-20T07:59:59.999'))).toBe(false);
    expect(isOpen(officeHours, local(NY, '2026-01-20T16:59:59.999'))).toBe(true);
    expect(isOpen(officeHours, local(NY, '2026-01-20T17:00'))).toBe(false);
  });

  it('skips a holiday Monday to Tuesday 08:00', () => {
    const withHoliday = { ...officeHours, holidays: ['2026-01-19'] };
    const friday = local(NY, '2026-01-16T18:00');
    expect(nextOpening(withHoliday, friday)).toEqual(local(NY, '2026-01-20T08:00'));
    expect(isOpen(withHoliday, local(NY, '2026-01-19T10:00'))).toBe(false);
  });

  it('crosses both New York DST changes over a weekend', () => {
    // Friday EST → Monday EDT (Mar 8 2026), and Friday EDT → Monday EST (Nov 1 2026).
    expect(nextOpening(officeHours, local(NY, '2026-03-06T18:00'))).toEqual(utc('2026-03-09T12:00:00Z'));
    expect(nextOpening(officeHours, local(NY, '2026-10-30T18:00'))).toEqual(utc('2026-11-02T13:00:00Z'));
  });

  describe('overnight Saturday 22:00–02:00', () => {
    const night = schedule(NY, [{ day: 6, start: '22:00', end: '02:00' }]);

    it('stays open past midnight and closes at 02:00 Sunday', () => {
      expect(isOpen(night, local(NY, '2026-01-17T21:59'))).toBe(false);
      expect(isOpen(night, local(NY, '2026-01-17T22:00'))).toBe(true);
      expect(isOpen(night, local(NY, '2026-01-18T01:59'))).toBe(true);
      expect(isOpen(night, local(NY, '2026-01-18T02:00'))).toBe(false);
      expect(nextChange(night, local(NY, '2026-01-17T23:00'))).toEqual({
        open: true,
        at: local(NY, '2026-01-18T02:00'),
      });
    });

    it('waits a week from Sunday 02:00 to the next Saturday 22:00', () => {
      expect(nextOpening(night, local(NY, '2026-01-18T02:00'))).toEqual(local(NY, '2026-01-24T22:00'));
    });

    it('closes at midnight when the next day is a holiday', () => {
      const sundayOff = { ...night, holidays: ['2026-01-18'] };
      expect(isOpen(sundayOff, local(NY, '2026-01-17T23:59'))).toBe(true);
      expect(isOpen(sundayOff, local(NY, '2026-01-18T00:30'))).toBe(false);
      expect(nextChange(sundayOff, local(NY, '2026-01-17T23:00'))).toEqual({
        open: true,
        at: local(NY, '2026-01-18T00:00'),
      });
    });

    it('opens at midnight after a holiday on which the interval started', () => {
      const saturdayOff = { ...night, holidays: ['2026-01-17'] };
      expect(isOpen(saturdayOff, local(NY, '2026-01-17T22:30'))).toBe(false);
      expect(nextOpening(saturdayOff, local(NY, '2026-01-17T21:00'))).toEqual(local(NY, '2026-01-18T00:00'));
      expect(nextChange(saturdayOff, local(NY, '2026-01-18T00:00'))).toEqual({
        open: true,
        at: local(NY, '2026-01-18T02:00'),
      });
    });

    it('treats an overnight end of 00:00 as midnight', () => {
      const lateEvening = schedule(NY, [{ day: 6, start: '22:00', end: '00:00' }]);
      expect(nextChange(lateEvening, local(NY, '2026-01-17T22:00'))).toEqual({
        open: true,
        at: local(NY, '2026-01-18T00:00'),
      });
    });
  });

  describe('several intervals a day', () => {
    const split = schedule(LONDON, [
      { day: 3, start: '13:00', end: '17:00' },
      { day: 3, start: '09:00', end: '12:00' },
      { day: 3, start: '16:00', end: '18:30' }, // overlaps the afternoon: open through 18:30
    ]);

    it('reopens after lunch', () => {
      expect(isOpen(split, local(LONDON, '2026-01-21T12:30'))).toBe(false);
      expect(nextOpening(split, local(LONDON, '2026-01-21T12:30'))).toEqual(local(LONDON, '2026-01-21T13:00'));
      expect(nextChange(split, local(LONDON, '2026-01-21T10:00'))).toEqual({
        open: true,
        at: local(LONDON, '2026-01-21T12:00'),
      });
    });

    it('merges overlapping intervals', () => {
      expect(nextChange(split, local(LONDON, '2026-01-21T14:00'))).toEqual({
        open: true,
        at: local(LONDON, '2026-01-21T18:30'),
      });
      expect(nextOpening(split, local(LONDON, '2026-01-21T18:30'))).toEqual(local(LONDON, '2026-01-28T09:00'));
    });
  });

  it('is always open on a 00:00–24:00 schedule without holidays', () => {
    const always = schedule(SYDNEY, every([1, 2, 3, 4, 5, 6, 7], '00:00', '24:00'));
    expect(nextChange(always, utc('2026-04-04T15:30:00Z'))).toEqual({ open: true, at: null });
    expect(nextChange({ ...always, holidays: ['2026-12-25'] }, utc('2026-12-20T00:00:00Z'))).toEqual({
      open: true,
      at: local(SYDNEY, '2026-12-25T00:00'),
    });
  });

  it('never opens without intervals, or when every opening is a holiday within a year', () => {
    const from = utc('2026-06-01T00:00:00Z');
    expect(nextOpening(schedule(NY, []), from)).toBeNull();
    expect(nextChange(schedule(NY, []), from)).toEqual({ open: false, at: null });
    const onlyOnce = schedule('UTC', [{ day: 5, start: '09:00', end: '10:00' }]);
    const everyFriday = Array.from({ length: 60 }, (_, week) =>
      DateTime.fromISO('2026-06-05', { zone: 'UTC' }).plus({ weeks: week }).toFormat('yyyy-MM-dd'),
    );
    expect(nextOpening({ ...onlyOnce, holidays: everyFriday }, from)).toBeNull();
  });

  describe('New York DST (Mar 8 and Nov 1 2026)', () => {
    it('opens an interval starting in the spring-forward gap at 03:00 EDT', () => {
      const gap = schedule(NY, [{ day: 7, start: '02:30', end: '05:00' }]);
      // 01:59 EST = 06:59Z is the last minute before the gap; 03:00 EDT = 07:00Z.
      expect(isOpen(gap, utc('2026-03-08T06:59:59.999Z'))).toBe(false);
      expect(isOpen(gap, utc('2026-03-08T07:00:00Z'))).toBe(true);
      expect(nextOpening(gap, utc('2026-03-08T05:00:00Z'))).toEqual(utc('2026-03-08T07:00:00Z'));
      expect(nextChange(gap, utc('2026-03-08T07:00:00Z'))).toEqual({ open: true, at: utc('2026-03-08T09:00:00Z') });
    });

    it('ends an interval ending in the gap at 03:00 EDT, and skips one wholly inside it', () => {
      const endsInGap = schedule(NY, [{ day: 7, start: '00:00', end: '02:30' }]);
      expect(nextChange(endsInGap, utc('2026-03-08T05:00:00Z'))).toEqual({
        open: true,
        at: utc('2026-03-08T07:00:00Z'),
      });
      const insideGap = schedule(NY, [{ day: 7, start: '02:10', end: '02:40' }]);
      expect(nextOpening(insideGap, utc('2026-03-08T05:00:00Z'))).toEqual(local(NY, '2026-03-15T02:10'));
    });

    it('starts an interval in the fall-back repeat hour at its first occurrence and stays open through the second', () => {
      const repeat = schedule(NY, [{ day: 7, start: '01:30', end: '03:00' }]);
      // 01:30 EDT = 05:30Z; the clock reads 01:00–02:00 again from 06:00Z to 07:00Z (EST); 03:00 EST = 08:00Z.
      expect(nextOpening(repeat, utc('2026-11-01T04:00:00Z'))).toEqual(utc('2026-11-01T05:30:00Z'));
      expect(isOpen(repeat, utc('2026-11-01T05:29:59Z'))).toBe(false);
      expect(isOpen(repeat, utc('2026-11-01T06:15:00Z'))).toBe(true); // reads 01:15 EST, before the nominal start
      expect(nextChange(repeat, utc('2026-11-01T06:15:00Z'))).toEqual({ open: true, at: utc('2026-11-01T08:00:00Z') });
    });

    it('ends an interval at the first occurrence of an ambiguous end time', () => {
      const early = schedule(NY, [{ day: 7, start: '00:00', end: '01:30' }]);
      expect(nextChange(early, utc('2026-11-01T04:00:00Z'))).toEqual({ open: true, at: utc('2026-11-01T05:30:00Z') });
      expect(isOpen(early, utc('2026-11-01T06:15:00Z'))).toBe(false); // 01:15 EST, after the first 01:30
    });
  });

  describe('London DST (Mar 29 and Oct 25 2026)', () => {
    it('opens an interval starting in the gap at 02:00 BST', () => {
      const gap = schedule(LONDON, [{ day: 7, start: '01:30', end: '04:00' }]);
      expect(isOpen(gap, utc('2026-03-29T00:59:00Z'))).toBe(false);
      expect(nextOpening(gap, utc('2026-03-29T00:00:00Z'))).toEqual(utc('2026-03-29T01:00:00Z'));
      expect(nextChange(gap, utc('2026-03-29T01:00:00Z'))).toEqual({ open: true, at: utc('2026-03-29T03:00:00Z') });
    });

    it('places an interval inside the repeat hour on its first occurrence only', () => {
      const repeat = schedule(LONDON, [{ day: 7, start: '01:15', end: '01:45' }]);
      // First 01:00–02:00 is BST (00:00Z–01:00Z), second is GMT (01:00Z–02:00Z).
      expect(nextOpening(repeat, utc('2026-10-24T23:00:00Z'))).toEqual(utc('2026-10-25T00:15:00Z'));
      expect(nextChange(repeat, utc('2026-10-25T00:15:00Z'))).toEqual({ open: true, at: utc('2026-10-25T00:45:00Z') });
      expect(isOpen(repeat, utc('2026-10-25T01:20:00Z'))).toBe(false);
      expect(nextOpening(repeat, utc('2026-10-25T00:45:00Z'))).toEqual(utc('2026-11-01T01:15:00Z'));
    });
  });

  describe('Sydney DST (Apr 5 and Oct 4 2026)', () => {
    it('starts an interval in the April repeat hour at its first occurrence (AEDT)', () => {
      const repeat = schedule(SYDNEY, [{ day: 7, start: '02:30', end: '04:00' }]);
      // 02:30 AEDT (+11) = Apr 4 15:30Z; 04:00 AEST (+10) = Apr 4 18:00Z.
      expect(nextOpening(repeat, local(SYDNEY, '2026-04-05T00:00'))).toEqual(utc('2026-04-04T15:30:00Z'));
      expect(isOpen(repeat, utc('2026-04-04T16:10:00Z'))).toBe(true); // reads 02:10 AEST
      expect(nextChange(repeat, utc('2026-04-04T15:30:00Z'))).toEqual({ open: true, at: utc('2026-04-04T18:00:00Z') });
    });

    it('opens an interval starting in the October gap at 03:00 AEDT', () => {
      const gap = schedule(SYDNEY, [{ day: 7, start: '02:30', end: '05:00' }]);
      // 02:00 AEST jumps to 03:00 AEDT at Oct 3 16:00Z.
      expect(isOpen(gap, utc('2026-10-03T15:59:00Z'))).toBe(false);
      expect(nextOpening(gap, local(SYDNEY, '2026-10-04T00:00'))).toEqual(utc('2026-10-03T16:00:00Z'));
      expect(nextChange(gap, utc('2026-10-03T16:00:00Z'))).toEqual({ open: true, at: utc('2026-10-03T18:00:00Z') });
    });
  });

  it('rejects an invalid schedule or instant instead of guessing', () => {
    const bad = schedule('Mars/Olympus', []);
    expect(() => isOpen(bad, new Date())).toThrow(/timezone: "Mars\/Olympus" is not a known IANA time zone/);
    expect(() => nextOpening(officeHours, new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe('business hours: validation', () => {
  const fields = (hours: BusinessHours) => validateBusinessHours(hours).map((p) => p.field);
  const messageFor = (hours: BusinessHours, field: string) =>
    validateBusinessHours(hours).find((p) => p.field === field)?.message;

  it('accepts full days, overnight intervals, 24:00 ends and real dates', () => {
    const ok = schedule(
      SYDNEY,
      [
        { day: 1, start: '00:00', end: '24:00' },
        { day: 5, start: '22:00', end: '02:00' },
        { day: 6, start: '22:00', end: '00:00' },
        { day: 7, start: '09:00', end: '17:30' },
      ],
      ['2026-12-25', '2028-02-29'],
    );
    expect(validateBusinessHours(ok)).toEqual([]);
    expect(validateBusinessHours(schedule('UTC', []))).toEqual([]);
  });

  it('names an unknown or missing time zone', () => {
    expect(messageFor(schedule('Europe/Londn', []), 'timezone')).toBe(
      '"Europe/Londn" is not a known IANA time zone; use a name such as "America/New_York" or "Europe/London".',
    );
    expect(messageFor(schedule('  ', []), 'timezone')).toMatch(/Choose a time zone/);
  });

  it('explains malformed times, pointing at the interval and field', () => {
    const hours = schedule(NY, [
      { day: 1, start: '8:00', end: '17:00' },
      { day: 2, start: '09:00', end: '25:00' },
      { day: 3, start: '24:00', end: '10:00' },
      { day: 4, start: '09:60', end: '24:01' },
    ]);
    expect(fields(hours)).toEqual([
      'weekly[0].start',
      'weekly[1].end',
      'weekly[2].start',
      'weekly[3].start',
      'weekly[3].end',
    ]);
    expect(messageFor(hours, 'weekly[0].start')).toBe(
      'Start time must be "HH:mm" on a 24-hour clock (00:00 to 23:59); got "8:00".',
    );
    expect(messageFor(hours, 'weekly[1].end')).toBe(
      'End time must be "HH:mm" on a 24-hour clock (00:01 to 24:00); got "25:00".',
    );
    expect(messageFor(hours, 'weekly[2].start')).toBe(
      'An interval cannot start at 24:00; start it at 00:00 on the next day.',
    );
  });

  it('rejects days outside 1–7', () => {
    const hours = schedule(NY, [
      { day: 0 as Weekday, start: '09:00', end: '17:00' },
      { day: 8 as Weekday, start: '09:00', end: '17:00' },
      { day: 2.5 as Weekday, start: '09:00', end: '17:00' },
    ]);
    expect(fields(hours)).toEqual(['weekly[0].day', 'weekly[1].day', 'weekly[2].day']);
    expect(messageFor(hours, 'weekly[0].day')).toBe('Day must be a whole number from 1 (Monday) to 7 (Sunday); got 0.');
  });

  it('rejects zero-length intervals and says how to write a full day', () => {
    const hours = schedule(NY, [
      { day: 1, start: '09:00', end: '09:00' },
      { day: 2, start: '00:00', end: '00:00' },
    ]);
    expect(fields(hours)).toEqual(['weekly[0].end', 'weekly[1].end']);
    expect(messageFor(hours, 'weekly[0].end')).toMatch(
      /starts and ends at 09:00, so it is empty; for a whole day use 00:00 to 24:00/,
    );
  });

  it('rejects malformed and impossible holiday dates', () => {
    const hours = schedule(NY, [], ['2026/12/25', '2026-02-30', '26-12-25', '2026-12-25']);
    expect(fields(hours)).toEqual(['holidays[0]', 'holidays[1]', 'holidays[2]']);
    expect(messageFor(hours, 'holidays[0]')).toBe(
      'A holiday must be a date written "YYYY-MM-DD", for example "2026-12-25"; got "2026/12/25".',
    );
    expect(messageFor(hours, 'holidays[1]')).toBe('"2026-02-30" is not a real calendar date.');
  });

  it('reports data of the wrong shape, as it may arrive from JSON', () => {
    const shapeless = { timezone: 42, weekly: 'Mon-Fri', holidays: [null] } as unknown as BusinessHours;
    expect(validateBusinessHours(shapeless)).toEqual([
      { field: 'timezone', message: 'Choose a time zone, for example "America/New_York".' },
      { field: 'weekly', message: 'Weekly hours must be a list of intervals (it may be empty).' },
      {
        field: 'holidays[0]',
        message: 'A holiday must be a date written "YYYY-MM-DD", for example "2026-12-25"; got null.',
      },
    ]);
    const missingTimes = schedule(NY, [{ day: 1 } as unknown as WeeklyInterval, null as unknown as WeeklyInterval]);
    expect(fields(missingTimes)).toEqual(['weekly[0].start', 'weekly[0].end', 'weekly[1]']);
    expect(messageFor(missingTimes, 'weekly[0].start')).toMatch(/got nothing\.$/);
  });
});
