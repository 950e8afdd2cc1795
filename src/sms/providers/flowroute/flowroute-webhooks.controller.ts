import { Body, Controller, HttpCode, ParseUUIDPipe, Post, Query, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '../../core/api-docs';
import { PublicRoute } from '../../auth/caller';
import { TimedWebhook } from '../../metrics/webhook-timing';
import { FlowrouteCallbacks } from './flowroute-callbacks.service';
import { FlowrouteAccount, FlowrouteTokenGuard } from './flowroute-token.guard';
import { WebhookLimitsGuard } from '../../webhooks/webhook-limits';

/**
 * Flowroute's callbacks, one URL per account: `/webhooks/flowroute/<token>/inbound` is set as the SMS and MMS
 * callback in Flowroute; `/dlr` is sent with each message. JSON:API bodies; Flowroute wants a 200.
 */
@ApiExcludeController()
@PublicRoute()
@UseGuards(WebhookLimitsGuard, FlowrouteTokenGuard)
@Controller({ path: 'webhooks/flowroute/:accountToken' })
export class FlowrouteWebhooksController {
  constructor(private readonly callbacks: FlowrouteCallbacks) {}

  @Post('dlr')
  @HttpCode(200)
  @TimedWebhook('flowroute', 'status')
  async dlr(
    @FlowrouteAccount() accountId: string,
    @Body() body: unknown,
    @Query('m', new ParseUUIDPipe({ optional: true, errorHttpStatusCode: 400 })) messageId?: string,
  ): Promise<{ result: string }> {
    return { result: await this.callbacks.receipt(accountId, body, messageId) };
  }

  @Post('inbound')
  @HttpCode(200)
  @TimedWebhook('flowroute', 'inbound')
  async inbound(@FlowrouteAccount() accountId: string, @Body() body: unknown): Promise<{ result: string }> {
    // A repeat of the same record and a number no account has are answered 200 too: Flowroute has nothing to fix.
    return { result: (await this.callbacks.inbound(accountId, body)).outcome };
  }
}
