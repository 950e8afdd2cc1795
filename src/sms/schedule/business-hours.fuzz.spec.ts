import fc from 'fast-check';
import {
  BusinessHours,
  isOpen,
  nextChange,
  nextOpening,
  validateBusinessHours,
  WeeklyInterval,
} from './business-hours';

/**
 * The properties in business-hours.spec.ts check the semantics in four zones around 2026's DST changes; this one
 * covers what they do not: any JSON an admin's request can carry, and every IANA zone the runtime knows (half-hour
 * and 45-minute offsets, Lord Howe's 30-minute DST, zones that skipped a calendar day) over 2000–2040.
 */

// Intl.supportedValuesOf is in the runtime (Node 20) but not in the ES2023 lib types.
const ZONES = (Intl as unknown as { supportedValuesOf(key: 'timeZone'): string[] }).supportedValuesOf('timeZone');

const hhmm = fc
  .integer({ min: 0, max: 1440 })
  .map((m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`);
const weird = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom('24:00', '23:60', '7:00', '-01:00', '0x10', 'Mon', '', '2026-02-30', '2026-13-01', '9999-12-31'),
);

/** What a PUT /api/sms/settings body may hold in `businessHours`: right shape, wrong shape, or not an object at all. */
const anyJson = fc.oneof(
  fc.record({
    timezone: fc.oneof(fc.constantFrom(...ZONES), fc.string({ maxLength: 30 }), weird),
    weekly: fc.oneof(
      fc.array(
        fc.oneof(
          fc.record({
            day: fc.oneof(fc.integer({ min: -1, max: 9 }), weird),
            start: fc.oneof(hhmm, weird),
            end: fc.oneof(hhmm, weird),
          }),
          weird,
        ),
        { maxLength: 5 },
      ),
      weird,
    ),
    holidays: fc.oneof(
      fc.array(
        fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
          weird,
        ),
        { maxLength: 4 },
      ),
      weird,
    ),
  }),
  fc.dictionary(fc.constantFrom('timezone', 'weekly', 'holidays', '__proto__', 'constructor'), weird),
);

const interval = fc
  .record({
    day: fc.integer({ min: 1, max: 7 }),
    start: fc.integer({ min: 0, max: 1439 }),
    end: fc.integer({ min: 0, max: 1440 }),
  })
  .filter((i) => i.start !== i.end)
  .map((i): WeeklyInterval => ({ day: i.day as WeeklyInterval['day'], start: minutes(i.start), end: minutes(i.end) }));

function minutes(m: number): string {
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

const validHours = fc
  .record({
    timezone: fc.constantFrom(...ZONES),
    weekly: fc.array(interval, { maxLength: 5 }),
    holidays: fc.uniqueArray(
      fc
        .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2040-12-31T00:00:00Z'), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10)),
      { maxLength: 3 },
    ),
  })
  .filter((h) => validateBusinessHours(h).length === 0);
const instant = fc.date({
  min: new Date('2000-01-01T00:00:00Z'),
  max: new Date('2040-12-31T00:00:00Z'),
  noInvalidDate: true,
});

describe('business hours, fuzzed', () => {
  it('validateBusinessHours never throws on any JSON, and names a field for each problem (2,000 cases)', () => {
    fc.assert(
      fc.property(anyJson, (json) => {
        const problems = validateBusinessHours(json as unknown as BusinessHours);

        for (const p of problems) {
          expect(typeof p.field).toBe('string');
          expect(p.message.length).toBeGreaterThan(10);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it(`in any of the ${ZONES.length} zones, nextOpening is open and nextChange flips the state (500 cases)`, () => {
    fc.assert(
      fc.property(validHours, instant, (hours, at) => {
        const open = isOpen(hours, at);

        const opening = nextOpening(hours, at);
        const change = nextChange(hours, at);

        expect(change.open).toBe(open);
        if (opening) {
          expect(opening.getTime()).toBeGreaterThanOrEqual(at.getTime());
          expect(isOpen(hours, opening)).toBe(true);
          if (!open) expect(opening.getTime()).toBe(change.at?.getTime());
          // Just before the opening it was still closed (unless it was open all along).
          if (opening.getTime() > at.getTime()) expect(isOpen(hours, new Date(opening.getTime() - 1))).toBe(false);
        } else {
          expect(open).toBe(false);
        }
        if (change.at) {
          expect(change.at.getTime()).toBeGreaterThan(at.getTime());
          expect(isOpen(hours, change.at)).toBe(!open);
          expect(isOpen(hours, new Date(change.at.getTime() - 1))).toBe(open);
        }
      }),
      { numRuns: 500 },
    );
  });
});
