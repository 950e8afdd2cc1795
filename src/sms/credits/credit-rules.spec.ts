import fc from 'fast-check';
import {
  creditAlerts,
  creditPeriod,
  creditsFor,
  isCreditPeriod,
  isMetered,
  periodBounds,
  plannedRelease,
  purchaseEligibility,
  splitDebit,
} from './credit-rules';

describe('credit rules', () => {
  describe('creditsFor', () => {
    it('charges one credit per outbound segment and nothing for inbound', () => {
      expect(creditsFor('outbound', 1)).toBe(1);
      expect(creditsFor('outbound', 3)).toBe(3);
      expect(creditsFor('inbound', 4)).toBe(0);
      expect(creditsFor('outbound', 0)).toBe(0);
    });
  });

  describe('isMetered', () => {
    it("meters the platform providers, the sandbox included, and not an account's own Flowroute account", () => {
      expect(isMetered('twilio')).toBe(true);
      expect(isMetered('sandbox')).toBe(true);
      expect(isMetered(null)).toBe(true);
      expect(isMetered('flowroute')).toBe(false);
    });
  });

  describe('creditPeriod', () => {
    it('is the calendar month in the account time zone, not in UTC', () => {
      // 03:30 UTC on 1 July is still 30 June in New York and already 1 July in Auckland.
      const at = new Date('2025-07-01T03:30:00Z');
      expect(creditPeriod(at, 'America/New_York')).toBe('2025-06');
      expect(creditPeriod(at, 'UTC')).toBe('2025-07');
      expect(creditPeriod(new Date('2025-06-30T13:00:00Z'), 'Pacific/Auckland')).toBe('2025-07');
    });

    it('turns over at local midnight of the first day', () => {
      expect(creditPeriod(new Date('2025-03-01T04:59:59.999Z'), 'America/New_York')).toBe('2025-02');
      expect(creditPeriod(new Date('2025-03-01T05:00:00Z'), 'America/New_York')).toBe('2025-03');
    });

    it('refuses an unknown time zone instead of guessing', () => {
      expect(() => creditPeriod(new Date(), 'Mars/Olympus_Mons')).toThrow(RangeError);
    });
  });

  describe('periodBounds', () => {
    it('spans local midnight to local midnight, across a DST change', () => {
      // March 2025 in New York starts in EST (-05:00) and ends in EDT (-04:00).
      expect(periodBounds('2025-03', 'America/New_York')).toEqual({
        start: new Date('2025-03-01T05:00:00Z'),
        end: new Date('2025-04-01T04:00:00Z'),
      });
      expect(periodBounds('2025-12', 'Europe/London')).toEqual({
        start: new Date('2025-12-01T00:00:00Z'),
        end: new Date('2026-01-01T00:00:00Z'),
      });
    });

    it('contains every instant whose period it is', () => {
      const zones = fc.constantFrom(
        'America/New_York',
        'Europe/London',
        'Australia/Sydney',
        'Asia/Kolkata',
        'Pacific/Chatham',
        'UTC',
      );
      fc.assert(
        fc.property(
          fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
          zones,
          (at, zone) => {
            const { start, end } = periodBounds(creditPeriod(at, zone), zone);
            return (
              start.getTime() <= at.getTime() &&
              at.getTime() < end.getTime() &&
              creditPeriod(start, zone) === creditPeriod(at, zone)
            );
          },
        ),
      );
    });

    it('knows a well-formed period', () => {
      expect(isCreditPeriod('2025-06')).toBe(true);
      expect(isCreditPeriod('2025-13')).toBe(false);
      expect(isCreditPeriod('2025-6')).toBe(false);
    });
  });

  describe('splitDebit', () => {
    it('spends monthly credits first, then add-on credits', () => {
      expect(splitDebit(3, { monthly: 10, addon: 100 })).toEqual({ monthly: 3, addon: 0 });
      expect(splitDebit(3, { monthly: 1, addon: 100 })).toEqual({ monthly: 1, addon: 2 });
      expect(splitDebit(3, { monthly: 0, addon: 3 })).toEqual({ monthly: 0, addon: 3 });
    });

    it('refuses rather than overdraw', () => {
      expect(splitDebit(3, { monthly: 1, addon: 1 })).toBeNull();
    });

    it('never takes more than asked nor more than a bucket holds', () => {
      fc.assert(
        fc.property(fc.nat(50), fc.nat(300), fc.nat(3000), (amount, monthly, addon) => {
          const split = splitDebit(amount, { monthly, addon });
          if (amount > monthly + addon) return split === null;
          return (
            split !== null &&
            split.monthly + split.addon === amount &&
            split.monthly <= monthly &&
            split.addon <= addon &&
            (split.addon === 0 || split.monthly === monthly)
          );
        }),
      );
    });
  });

  describe('purchaseEligibility', () => {
    const subscribedAt = new Date('2025-06-15T14:00:00Z');

    it('refuses before 30 days, with the date it becomes possible', () => {
      const sut = purchaseEligibility(subscribedAt, new Date('2025-07-15T13:59:59Z'), 'UTC');
      expect(sut).toEqual({
        eligible: false,
        eligibleFrom: new Date('2025-07-15T14:00:00Z'),
        reason: expect.stringContaining('2025-07-15'),
      });
    });

    it('allows from the 30th day on', () => {
      expect(purchaseEligibility(subscribedAt, new Date('2025-07-15T14:00:00Z'), 'UTC')).toMatchObject({
        eligible: true,
        reason: null,
      });
    });

    it('counts calendar days in the account zone, so a DST change does not move the hour', () => {
      // 30 days after 1 March 10:00 New York time is 31 March 10:00, one hour less in UTC terms after spring forward.
      const sut = purchaseEligibility(
        new Date('2025-03-01T15:00:00Z'),
        new Date('2025-03-01T15:00:00Z'),
        'America/New_York',
      );
      expect(sut.eligibleFrom).toEqual(new Date('2025-03-31T14:00:00Z'));
      expect(sut.reason).toContain('2025-03-31 10:00');
    });
  });

  describe('creditAlerts', () => {
    it('warns at 15 credits or fewer, and says when none are left and texts wait', () => {
      expect(creditAlerts(16, 0)).toEqual([]);
      expect(creditAlerts(15, 0)).toEqual([{ code: 'low', message: 'Only 15 SMS credits left' }]);
      expect(creditAlerts(1, 0)[0].code).toBe('low');
      expect(creditAlerts(0, 0)).toEqual([expect.objectContaining({ code: 'none_left' })]);
      expect(creditAlerts(0, 7)[0].message).toContain('7 SMS wait for credits');
    });
  });

  describe('plannedRelease', () => {
    it('releases the oldest texts the credits cover and stops at the first that does not fit', () => {
      const held = [
        { id: 'a', cost: 1 },
        { id: 'b', cost: 3 },
        { id: 'c', cost: 1 },
      ];
      expect(plannedRelease(held, 10).map((h) => h.id)).toEqual(['a', 'b', 'c']);
      // 'c' would fit in what is left, but must not overtake 'b'.
      expect(plannedRelease(held, 3).map((h) => h.id)).toEqual(['a']);
      expect(plannedRelease(held, 0)).toEqual([]);
    });

    it('is always an oldest-first prefix within the credits', () => {
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 40 }), fc.nat(200), (costs, available) => {
          const held = costs.map((cost, i) => ({ id: i, cost }));
          const released = plannedRelease(held, available);
          const spent = released.reduce((sum, h) => sum + h.cost, 0);
          const next = held[released.length];
          return (
            released.every((h, i) => h.id === i) &&
            spent <= available &&
            (next === undefined || spent + next.cost > available)
          );
        }),
      );
    });
  });
});
