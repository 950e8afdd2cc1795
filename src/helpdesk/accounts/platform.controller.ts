import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { CreditGrants, PlatformNumbers, PublicRoute } from '../../sms';
import { PlatformTokenGuard } from '../auth/platform-token.guard';
import { InvoiceBilling } from '../billing/invoice-billing';
import { AssignNumberDto, CreateAccountDto, GrantCreditsDto, toAssignmentResponse } from './accounts.dto';
import { AccountsService } from './accounts.service';

// Printable ASCII without spaces, as idempotency keys usually are (UUIDs, request ids).
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/** The platform's API (PLATFORM_TOKEN): accounts, the platform's numbers each may use, and the credits it gives them. */
@ApiTags('platform')
@ApiBearerAuth()
@PublicRoute()
@UseGuards(PlatformTokenGuard)
@Controller('platform')
export class PlatformController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly numbers: PlatformNumbers,
    private readonly grants: CreditGrants,
    private readonly invoices: InvoiceBilling,
  ) {}

  @Post('accounts')
  create(@Body() body: CreateAccountDto) {
    return this.accounts.create(body);
  }

  @Post('accounts/:id/numbers')
  @ApiOperation({
    summary:
      "Assigns one of the platform's Twilio numbers to the account; its admins can then add it (POST /api/sms/numbers)",
  })
  async assignNumber(@Param('id', ParseUUIDPipe) accountId: string, @Body() body: AssignNumberDto) {
    return toAssignmentResponse(await this.numbers.assign(accountId, body.number));
  }

  @Get('accounts/:id/numbers')
  async listNumbers(@Param('id', ParseUUIDPipe) accountId: string) {
    return (await this.numbers.list(accountId)).map(toAssignmentResponse);
  }

  @Delete('accounts/:id/numbers/:number')
  @HttpCode(204)
  @ApiOperation({
    summary: "Takes the number back: the account's SMS number made from it goes (its conversations and texts stay)",
  })
  async unassignNumber(@Param('id', ParseUUIDPipe) accountId: string, @Param('number') number: string): Promise<void> {
    await this.numbers.unassign(accountId, number);
  }

  @Post('accounts/:id/credits')
  @ApiOperation({ summary: 'Gives the account add-on credits (they roll over); the same Idempotency-Key grants once' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async grantCredits(
    @Param('id', ParseUUIDPipe) accountId: string,
    @Body() body: GrantCreditsDto,
    @Headers('idempotency-key') key?: string,
  ) {
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key))
      throw new BadRequestException('Idempotency-Key must be 1 to 200 printable characters without spaces');
    const granted = await this.grants.grant(accountId, {
      credits: body.credits,
      reason: body.reason,
      idempotencyKey: key ?? randomUUID(),
    });
    return {
      id: granted.entry.id,
      accountId,
      credits: granted.entry.amount,
      reason: body.reason,
      replayed: granted.replayed,
      createdAt: granted.entry.createdAt,
    };
  }

  @Post('invoices/:id/paid')
  @HttpCode(200)
  @ApiOperation({
    summary: "Marks a credit invoice paid: the account's purchase is credited (once, however often this is called)",
  })
  async invoicePaid(@Param('id') id: string) {
    const invoice = this.invoices.read(id);
    if (!invoice) throw new NotFoundException('No such invoice');
    const settled = await this.grants.settlePurchase(invoice.accountId, {
      idempotencyKey: invoice.idempotencyKey,
      credits: invoice.credits,
      userId: invoice.userId,
    });
    return {
      invoice: invoice.id,
      accountId: invoice.accountId,
      packs: invoice.packs,
      credits: invoice.credits,
      credited: !settled.replayed,
      entryId: settled.entry.id,
    };
  }
}
