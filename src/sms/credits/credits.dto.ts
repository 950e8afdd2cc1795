import { ApiProperty, ApiPropertyOptional } from '../core/api-docs';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import type { CreditEntry } from './credit-entry.entity';
import { CREDIT_PERIOD_PATTERN, CREDITS_PER_PACK, MAX_PACKS_PER_PURCHASE } from './credit-rules';
import type { CreditPurchase, CreditSummary } from './credits.service';

export class PurchaseCreditsDto {
  @ApiProperty({
    minimum: 1,
    maximum: MAX_PACKS_PER_PURCHASE,
    description: `Packs of ${CREDITS_PER_PACK} add-on credits; they roll over`,
  })
  @IsInt({ message: 'packs must be a whole number' })
  @Min(1)
  @Max(MAX_PACKS_PER_PURCHASE)
  packs!: number;

  @ApiPropertyOptional({ description: 'As the Idempotency-Key header: a retried request with the same key buys once' })
  @IsOptional()
  @IsString()
  idempotencyKey?: string;
}

export class CreditLedgerQueryDto {
  @ApiPropertyOptional({ description: 'Entries at or after this instant (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'Entries before this instant (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({
    example: '2025-06',
    description: 'Entries of one credit period (calendar month, account time zone)',
  })
  @IsOptional()
  @Matches(CREDIT_PERIOD_PATTERN, { message: 'period must be a month as YYYY-MM' })
  period?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ minimum: 0, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;
}

export class CreditUsageQueryDto {
  @ApiPropertyOptional({ description: 'Start (ISO 8601); default: start of the current period' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'End, exclusive (ISO 8601); default: end of the current period' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({ enum: ['day', 'user', 'kind'], default: 'day' })
  @IsOptional()
  @IsIn(['day', 'user', 'kind'], { message: 'groupBy must be day, user or kind' })
  groupBy?: 'day' | 'user' | 'kind';
}

export function toCreditsResponse(summary: CreditSummary) {
  const { balance, period, purchase } = summary;
  return {
    metered: summary.metered,
    monthlyAllowance: balance.monthlyAllowance,
    monthlyRemaining: balance.monthlyRemaining,
    addonRemaining: balance.addonRemaining,
    remaining: balance.monthlyRemaining + balance.addonRemaining,
    period: { key: period.key, start: period.start, end: period.end, timezone: period.timezone },
    heldMessages: summary.held,
    alerts: summary.alerts,
    purchase: {
      eligible: purchase.eligible,
      eligibleFrom: purchase.eligibleFrom,
      reason: purchase.reason,
      creditsPerPack: CREDITS_PER_PACK,
      maxPacks: MAX_PACKS_PER_PURCHASE,
    },
  };
}

export function toCreditEntryResponse(entry: CreditEntry) {
  return {
    id: entry.id,
    kind: entry.kind,
    bucket: entry.bucket,
    amount: entry.amount,
    period: entry.period,
    messageId: entry.messageId,
    userId: entry.userId,
    createdAt: entry.createdAt,
  };
}

export function toPurchaseResponse(purchase: CreditPurchase, summary: CreditSummary) {
  return {
    /** `paid`: the credits are in; `pending`: they come once the platform has the payment (`reference`, e.g. the invoice). */
    status: purchase.status,
    reference: purchase.reference,
    purchase: {
      id: purchase.entry?.id ?? null,
      packs: purchase.packs,
      credits: purchase.credits,
      userId: purchase.entry?.userId ?? null,
      createdAt: purchase.entry?.createdAt ?? null,
    },
    replayed: purchase.replayed,
    credits: toCreditsResponse(summary),
  };
}
