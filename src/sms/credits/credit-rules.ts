import { DateTime } from 'luxon';
import { ACCOUNT_OWN_PROVIDERS } from '../providers/sms-provider';

// Credits: the pure rules. Everything that decides what an SMS costs or when credits may be bought is here,
// so the ledger service only moves numbers in the database.

/** The rate table, in one place: credits per segment by direction. */
export const CREDIT_RATES = { outbound: 1, inbound: 0 } as const;

/** Credits included every calendar month (account time zone) unless the account's balance row says otherwise. */
export const DEFAULT_MONTHLY_ALLOWANCE = 200;
export const CREDITS_PER_PACK = 2500;
export const MAX_PACKS_PER_PURCHASE = 100;
/** Add-on packs can be bought once the subscription is this old. */
export const PURCHASE_WAIT_DAYS = 30;
/** At or below this many credits left, the account is warned. */
export const LOW_CREDIT_THRESHOLD = 15;

export type CreditBucket = 'monthly' | 'addon';
/** `grant`: add-on credits the platform gave (not bought). */
export const CREDIT_ENTRY_KINDS = ['monthly_grant', 'monthly_expiry', 'purchase', 'grant', 'debit', 'refund'] as const;
export type CreditEntryKind = (typeof CREDIT_ENTRY_KINDS)[number];

export function creditsFor(direction: 'outbound' | 'inbound', segments: number): number {
  return CREDIT_RATES[direction] * Math.max(0, segments);
}

/**
 * Whether a text handed to `provider` spends the account's credits. Every platform provider does, the sandbox too
 * (so credits can be tried locally); an account's own provider account does not, though its usage is still reported.
 */
export function isMetered(provider: string | null): boolean {
  return provider === null || !ACCOUNT_OWN_PROVIDERS.has(provider);
}

/** The credit period an instant falls in: the calendar month in the account's zone, as 'YYYY-MM'. */
export function creditPeriod(at: Date, timezone: string): string {
  return zoned(at, timezone).toFormat('yyyy-MM');
}

/** First instant of the period and first instant of the next one. */
export function periodBounds(period: string, timezone: string): { start: Date; end: Date } {
  const start = DateTime.fromFormat(period, 'yyyy-MM', { zone: timezone });
  if (!start.isValid) throw new RangeError(`Not a credit period: ${period} (${start.invalidExplanation ?? 'invalid'})`);
  return { start: start.toJSDate(), end: start.plus({ months: 1 }).toJSDate() };
}

/** A credit period as written: 'YYYY-MM'. */
export const CREDIT_PERIOD_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;

export function isCreditPeriod(period: string): boolean {
  return CREDIT_PERIOD_PATTERN.test(period);
}

/** Monthly credits go first (they expire at month end), then add-on credits (they roll over). null when short. */
export function splitDebit(
  amount: number,
  balance: { monthly: number; addon: number },
): { monthly: number; addon: number } | null {
  if (amount > balance.monthly + balance.addon) return null;
  const monthly = Math.min(amount, balance.monthly);
  return { monthly, addon: amount - monthly };
}

export interface PurchaseEligibility {
  eligible: boolean;
  /** The instant packs can first be bought: 30 calendar days after the subscription started, in the account's zone. */
  eligibleFrom: Date;
  /** Why not, in words an admin can act on; null when eligible. */
  reason: string | null;
}

export function purchaseEligibility(subscribedAt: Date, now: Date, timezone: string): PurchaseEligibility {
  const from = zoned(subscribedAt, timezone).plus({ days: PURCHASE_WAIT_DAYS });
  const eligible = now.getTime() >= from.toMillis();
  return {
    eligible,
    eligibleFrom: from.toJSDate(),
    reason: eligible
      ? null
      : `Credit packs can be bought from ${from.toFormat('yyyy-MM-dd HH:mm')} (${timezone}), ${PURCHASE_WAIT_DAYS} days after the subscription started`,
  };
}

export type CreditAlertCode = 'low' | 'none_left';

export interface CreditAlert {
  code: CreditAlertCode;
  message: string;
}

export function creditAlerts(remaining: number, held: number): CreditAlert[] {
  if (remaining <= 0) {
    const waiting = held > 0 ? `; ${held} SMS wait for credits` : '';
    return [
      { code: 'none_left', message: `No SMS credits left${waiting}. Buy a pack or wait for next month's allowance.` },
    ];
  }
  if (remaining <= LOW_CREDIT_THRESHOLD) return [{ code: 'low', message: `Only ${remaining} SMS credits left` }];
  return [];
}

/**
 * Which held sends to release with `available` credits: the oldest first, stopping at the first one that does
 * not fit, so a later (cheaper) text never overtakes an older one.
 */
export function plannedRelease<T extends { cost: number }>(heldOldestFirst: T[], available: number): T[] {
  const released: T[] = [];
  let left = available;
  for (const held of heldOldestFirst) {
    if (held.cost > left) break;
    left -= held.cost;
    released.push(held);
  }
  return released;
}

function zoned(at: Date, timezone: string): DateTime {
  const local = DateTime.fromJSDate(at, { zone: timezone });
  if (!local.isValid)
    throw new RangeError(
      `Cannot place ${at.toISOString()} in time zone ${timezone}: ${local.invalidExplanation ?? 'invalid'}`,
    );
  return local;
}
