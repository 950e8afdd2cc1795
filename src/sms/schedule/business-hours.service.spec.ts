import { UnprocessableEntityException } from '@nestjs/common';
import { isOpen } from './business-hours';
import { checkBusinessHours as sut, defaultBusinessHours } from './business-hours.service';

function problemsOf(input: unknown): { field: string; message: string }[] {
  try {
    sut(input, 'businessHours');
  } catch (e) {
    expect(e).toBeInstanceOf(UnprocessableEntityException);
    return ((e as UnprocessableEntityException).getResponse() as { problems: { field: string; message: string }[] })
      .problems;
  }
  throw new Error('expected a 422');
}

describe('checkBusinessHours', () => {
  it('keeps only the known fields, intervals in weekday order and each holiday once, sorted', () => {
    const saved = sut(
      {
        timezone: 'Europe/London',
        weekly: [
          { day: 3, start: '13:00', end: '17:00', note: 'afternoon' },
          { day: 1, start: '09:00', end: '17:00' },
          { day: 3, start: '08:00', end: '12:00' },
        ],
        holidays: ['2027-12-26', '2027-12-25', '2027-12-26'],
        colour: 'blue',
      },
      'businessHours',
    );
    expect(saved).toEqual({
      timezone: 'Europe/London',
      weekly: [
        { day: 1, start: '09:00', end: '17:00' },
        { day: 3, start: '08:00', end: '12:00' },
        { day: 3, start: '13:00', end: '17:00' },
      ],
      holidays: ['2027-12-25', '2027-12-26'],
    });
  });

  it('lists every problem at once, named by its place in the request', () => {
    expect(
      problemsOf({
        timezone: 'Atlantis/Capital',
        weekly: [{ day: 0, start: '9am', end: '17:00' }],
        holidays: ['tomorrow'],
      }).map((p) => p.field),
    ).toEqual([
      'businessHours.timezone',
      'businessHours.weekly[0].day',
      'businessHours.weekly[0].start',
      'businessHours.holidays[0]',
    ]);
  });

  it('refuses something that is not an object of hours', () => {
    expect(problemsOf('weekdays')).toEqual([{ field: 'businessHours', message: expect.stringContaining('timezone') }]);
    expect(problemsOf([])).toHaveLength(1);
    expect(problemsOf(null)).toHaveLength(1);
  });
});

describe('defaultBusinessHours', () => {
  it('is Monday to Friday, nine to five, in the given zone', () => {
    const hours = defaultBusinessHours('Australia/Sydney');
    expect(isOpen(hours, new Date('2027-01-13T09:00:00+11:00'))).toBe(true); // Wednesday
    expect(isOpen(hours, new Date('2027-01-13T08:59:00+11:00'))).toBe(false);
    expect(isOpen(hours, new Date('2027-01-13T17:00:00+11:00'))).toBe(false);
    expect(isOpen(hours, new Date('2027-01-16T12:00:00+11:00'))).toBe(false); // Saturday
  });
});
