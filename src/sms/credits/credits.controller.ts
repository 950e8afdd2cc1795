import { BadRequestException, Body, Controller, Get, Headers, Post, Query, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { ApiBearerAuth, ApiHeader, ApiTags } from '../core/api-docs';
import { AdminOnlyGuard, CurrentCaller, type SmsCaller, SmsCallerGuard } from '../auth/caller';
import {
  CreditLedgerQueryDto,
  CreditUsageQueryDto,
  PurchaseCreditsDto,
  toCreditEntryResponse,
  toCreditsResponse,
  toPurchaseResponse,
} from './credits.dto';
import { CreditsMeteredGuard } from './credits-metered.guard';
import { CreditsService } from './credits.service';

// Printable ASCII without spaces, as idempotency keys usually are (UUIDs, request ids).
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

@ApiTags('sms credits')
@ApiBearerAuth()
@UseGuards(CreditsMeteredGuard, SmsCallerGuard, AdminOnlyGuard)
@Controller('sms/credits')
export class CreditsController {
  constructor(private readonly credits: CreditsService) {}

  @Get()
  async summary(@CurrentCaller() caller: SmsCaller) {
    return toCreditsResponse(await this.credits.summary(caller.accountId));
  }

  @Get('ledger')
  async ledger(@CurrentCaller() caller: SmsCaller, @Query() query: CreditLedgerQueryDto) {
    const limit = query.limit ?? 200;
    const offset = query.offset ?? 0;
    const page = await this.credits.entries(caller.accountId, {
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
      period: query.period,
      limit,
      offset,
    });
    return { entries: page.entries.map(toCreditEntryResponse), total: page.total, sum: page.sum, limit, offset };
  }

  @Get('usage')
  async usage(@CurrentCaller() caller: SmsCaller, @Query() query: CreditUsageQueryDto) {
    return this.credits.usage(caller.accountId, {
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
      groupBy: query.groupBy ?? 'day',
    });
  }
}

/** Buying add-on packs: a route group of its own, so a host that bills otherwise can leave it out. */
@ApiTags('sms credits')
@ApiBearerAuth()
@UseGuards(CreditsMeteredGuard, SmsCallerGuard, AdminOnlyGuard)
@Controller('sms/credits')
export class CreditPurchasesController {
  constructor(private readonly credits: CreditsService) {}

  /** 201 when paid and credited, 202 when the payment is pending (credited once the platform has it). */
  @Post('purchases')
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Repeat a request with the same key to get the first purchase back, not a second one',
  })
  async purchase(
    @CurrentCaller() caller: SmsCaller,
    @Body() body: PurchaseCreditsDto,
    @Res({ passthrough: true }) response: Response,
    @Headers('idempotency-key') header?: string,
  ) {
    if (header !== undefined && body.idempotencyKey !== undefined && header !== body.idempotencyKey) {
      throw new BadRequestException(
        'The Idempotency-Key header and idempotencyKey in the body differ; send one of them',
      );
    }
    const idempotencyKey = header ?? body.idempotencyKey;
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new BadRequestException('Idempotency-Key must be 1 to 200 printable characters without spaces');
    }
    const purchase = await this.credits.purchase(caller.accountId, caller.userId, body.packs, idempotencyKey);
    if (purchase.status === 'pending') response.status(202);
    return toPurchaseResponse(purchase, await this.credits.summary(caller.accountId));
  }
}
