import { randomUUID } from 'node:crypto';
import {
  BadGatewayException,
  BadRequestException,
  ForbiddenException,
  HttpException,
  Inject,
  Injectable,
  Logger,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../clock/clock';
import type { ChargeOutcome } from '../ports/credit-purchases.port';
import { type ResolvedSmsOptions, SMS_MODULE_OPTIONS } from '../sms.options';
import { CreditEntry } from './credit-entry.entity';
import { CreditGrants } from './credit-grants.service';
import { CreditLedger, LockedBalance } from './credit-ledger.service';
import {
  CreditAlert,
  creditAlerts,
  creditPeriod,
  CREDITS_PER_PACK,
  periodBounds,
  PurchaseEligibility,
  purchaseEligibility,
} from './credit-rules';

export interface CreditSummary {
  metered: boolean;
  balance: LockedBalance;
  period: { key: string; start: Date; end: Date; timezone: string };
  /** Texts waiting as `held_no_credit`. */
  held: number;
  alerts: CreditAlert[];
  purchase: PurchaseEligibility;
}

export interface CreditPurchase {
  /** `paid`: credited (`entry`); `pending`: the host takes payment later (e.g. an invoice), nothing credited yet. */
  status: 'paid' | 'pending';
  /** The host's reference for the charge (payment or invoice id); null for a replay. */
  reference: string | null;
  entry: CreditEntry | null;
  packs: number;
  credits: number;
  /** The same Idempotency-Key was seen before: this is that purchase, nothing was added. */
  replayed: boolean;
}

export interface LedgerFilter {
  from?: Date;
  to?: Date;
  period?: string;
  limit: number;
  offset: number;
}

export type UsageGrouping = 'day' | 'user' | 'kind';

export interface UsageRow {
  key: string | null;
  outboundMessages: number;
  outboundSegments: number;
  inboundMessages: number;
  inboundSegments: number;
  credits: number;
}

// A usage report spans at most this long: a year and a bit, so "last 12 months" always fits.
const MAX_USAGE_DAYS = 400;

/** What admins see and do with credits: the balance and its alerts, buying packs, the ledger and usage reports. */
@Injectable()
export class CreditsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly ledger: CreditLedger,
    private readonly grants: CreditGrants,
    private readonly clock: Clock,
    @Inject(SMS_MODULE_OPTIONS) private readonly options: ResolvedSmsOptions,
  ) {}

  private readonly logger = new Logger(CreditsService.name);

  async summary(accountId: string): Promise<CreditSummary> {
    const account = await this.ledger.account(accountId);
    const now = this.clock.now();
    // Locking applies this month's grant on the first look, so what the admin sees is what a send would find.
    const balance = await this.dataSource.transaction((tx) => this.ledger.lock(tx, account, now));
    const [{ count }] = (await this.dataSource.query(
      `SELECT count(*)::int AS count FROM sms_messages WHERE account_id = $1 AND status = 'held_no_credit'`,
      [accountId],
    )) as { count: number }[];
    const { start, end } = periodBounds(balance.period, account.timezone);
    return {
      metered: await this.ledger.metered(accountId),
      balance,
      period: { key: balance.period, start, end, timezone: account.timezone },
      held: count,
      alerts: creditAlerts(balance.monthlyRemaining + balance.addonRemaining, count),
      purchase: purchaseEligibility(account.subscribedAt, now, account.timezone),
    };
  }

  /**
   * Buys `packs` × 2,500 add-on credits through the host's billing: charged first, credited once paid. Refused (403,
   * with the reason) when the host sells no credits, or while the subscription is younger than 30 days; 402 when the
   * charge is declined. The same Idempotency-Key returns the first purchase instead of buying again.
   */
  async purchase(
    accountId: string,
    userId: string,
    packs: number,
    idempotencyKey: string | undefined,
  ): Promise<CreditPurchase> {
    if (!this.options.creditMetering)
      throw new ForbiddenException('Texts are not metered by credits here; there is nothing to buy');
    const billing = this.options.creditPurchases;
    if (!billing)
      throw new ForbiddenException(
        'Credits cannot be bought here: the platform grants them. Ask the platform for more credits.',
      );
    const account = await this.ledger.account(accountId);
    const eligibility = purchaseEligibility(account.subscribedAt, this.clock.now(), account.timezone);
    if (!eligibility.eligible) {
      throw new ForbiddenException({
        statusCode: 403,
        error: 'Forbidden',
        message: eligibility.reason,
        eligibleFrom: eligibility.eligibleFrom.toISOString(),
      });
    }
    const key = `purchase:${accountId}:${idempotencyKey ?? randomUUID()}`;
    const credits = packs * CREDITS_PER_PACK;
    const earlier = await this.grants.creditedPurchase(accountId, key, credits);
    if (earlier) return { status: 'paid', reference: null, entry: earlier, packs, credits, replayed: true };
    let outcome: ChargeOutcome;
    try {
      outcome = await billing.charge(accountId, { packs, credits, userId, idempotencyKey: key });
    } catch (e) {
      this.logger.warn({ accountId, error: (e as Error).message }, 'the credit purchase could not be charged');
      throw new BadGatewayException(
        'The payment could not be completed; nothing was credited. Try again with the same Idempotency-Key.',
      );
    }
    if (outcome.status === 'declined')
      throw new HttpException(
        { statusCode: 402, error: 'Payment Required', message: `The payment was declined: ${outcome.reason}` },
        402,
      );
    if (outcome.status === 'pending')
      return { status: 'pending', reference: outcome.reference, entry: null, packs, credits, replayed: false };
    const settled = await this.grants.settlePurchase(accountId, { idempotencyKey: key, credits, userId });
    return {
      status: 'paid',
      reference: outcome.reference,
      entry: settled.entry,
      packs,
      credits,
      replayed: settled.replayed,
    };
  }

  async entries(
    accountId: string,
    filter: LedgerFilter,
  ): Promise<{ entries: CreditEntry[]; total: number; sum: number }> {
    assertRange(filter.from, filter.to);
    const account = await this.ledger.account(accountId);
    await this.dataSource.transaction((tx) => this.ledger.lock(tx, account, this.clock.now()));
    const query = this.dataSource
      .getRepository(CreditEntry)
      .createQueryBuilder('e')
      .where('e.account_id = :accountId', { accountId });
    if (filter.from) query.andWhere('e.created_at >= :from', { from: filter.from });
    if (filter.to) query.andWhere('e.created_at < :to', { to: filter.to });
    if (filter.period) query.andWhere('e.period = :period', { period: filter.period });
    const totals = (await query
      .clone()
      .select('count(*)::int', 'total')
      .addSelect('coalesce(sum(e.amount), 0)::int', 'sum')
      .getRawOne()) as { total: number; sum: number };
    const entries = await query.orderBy('e.seq', 'DESC').limit(filter.limit).offset(filter.offset).getMany();
    return { entries, total: totals.total, sum: totals.sum };
  }

  /**
   * The ledger newest first, read by position rather than offset (an export walks all of it at a steady cost): the
   * entries older than `before` (an entry's `seq`; none for the newest), at most `limit`. Read `entries` first to have
   * this period's grant and expiry in place.
   */
  async entriesBefore(accountId: string, before: string | null, limit: number): Promise<CreditEntry[]> {
    const query = this.dataSource
      .getRepository(CreditEntry)
      .createQueryBuilder('e')
      .where('e.account_id = :accountId', { accountId });
    if (before !== null) query.andWhere('e.seq < :before', { before });
    return query
      .orderBy('e.seq', 'DESC')
      .limit(Math.min(Math.max(1, limit), 5000))
      .getMany();
  }

  /**
   * Texts and credits per day (account time zone), per user or per kind of text over [from, to); by default the
   * current period. Outbound texts count once the provider took them (or they were paid for); inbound texts are free.
   * Accounts that are not metered still see their segments here.
   */
  async usage(accountId: string, query: { from?: Date; to?: Date; groupBy: UsageGrouping }) {
    const account = await this.ledger.account(accountId);
    const current = periodBounds(creditPeriod(this.clock.now(), account.timezone), account.timezone);
    const from = query.from ?? current.start;
    const to = query.to ?? current.end;
    assertRange(from, to);
    if (to.getTime() - from.getTime() > MAX_USAGE_DAYS * 86_400_000)
      throw new BadRequestException(`A usage report spans at most ${MAX_USAGE_DAYS} days`);
    const at = `coalesce(submitted_at, created_at)`;
    const key = { day: `to_char(${at} AT TIME ZONE $4, 'YYYY-MM-DD')`, user: `created_by_user_id::text`, kind: `kind` }[
      query.groupBy
    ];
    const rows = (await this.dataSource.query(
      `SELECT ${key} AS key,
              count(*) FILTER (WHERE direction = 'outbound')::int AS outbound_messages,
              coalesce(sum(segments) FILTER (WHERE direction = 'outbound'), 0)::int AS outbound_segments,
              count(*) FILTER (WHERE direction = 'inbound')::int AS inbound_messages,
              coalesce(sum(segments) FILTER (WHERE direction = 'inbound'), 0)::int AS inbound_segments,
              coalesce(sum(credits), 0)::int AS credits
         FROM sms_messages
        WHERE account_id = $1 AND ${at} >= $2 AND ${at} < $3
          AND (direction = 'inbound' OR provider_message_id IS NOT NULL OR credits > 0)
        GROUP BY 1 ORDER BY 1 NULLS LAST`,
      query.groupBy === 'day' ? [accountId, from, to, account.timezone] : [accountId, from, to],
    )) as {
      key: string | null;
      outbound_messages: number;
      outbound_segments: number;
      inbound_messages: number;
      inbound_segments: number;
      credits: number;
    }[];
    const usage: UsageRow[] = rows.map((r) => ({
      key: r.key,
      outboundMessages: r.outbound_messages,
      outboundSegments: r.outbound_segments,
      inboundMessages: r.inbound_messages,
      inboundSegments: r.inbound_segments,
      credits: r.credits,
    }));
    const total = usage.reduce(
      (sum, r) => ({
        outboundMessages: sum.outboundMessages + r.outboundMessages,
        outboundSegments: sum.outboundSegments + r.outboundSegments,
        inboundMessages: sum.inboundMessages + r.inboundMessages,
        inboundSegments: sum.inboundSegments + r.inboundSegments,
        credits: sum.credits + r.credits,
      }),
      { outboundMessages: 0, outboundSegments: 0, inboundMessages: 0, inboundSegments: 0, credits: 0 },
    );
    return { from, to, groupBy: query.groupBy, timezone: account.timezone, rows: usage, total };
  }
}

function assertRange(from: Date | undefined, to: Date | undefined): void {
  if (from && to && from.getTime() >= to.getTime()) throw new BadRequestException('from must be before to');
}
