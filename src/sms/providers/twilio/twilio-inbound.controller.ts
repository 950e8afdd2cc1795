import { BadRequestException, Body, Controller, Header, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '../../core/api-docs';
import { PublicRoute } from '../../auth/caller';
import { TimedWebhook } from '../../metrics/webhook-timing';
import { TwilioSignatureGuard } from './twilio-signature.guard';
import { EMPTY_TWIML, parseTwilioInbound, TWILIO_WEBHOOK_PATH } from './twilio-wire';
import { InboundReceiver } from '../../inbound/inbound-receiver.service';
import { WebhookLimitsGuard } from '../../webhooks/webhook-limits';

/**
 * Twilio's "A message comes in" webhook. Kept lean on purpose: signature, one INSERT, one enqueue, answer.
 * Everything slow (matching, media, the comment) happens in the job.
 */
@ApiExcludeController()
@PublicRoute()
@UseGuards(WebhookLimitsGuard, TwilioSignatureGuard)
@Controller({ path: TWILIO_WEBHOOK_PATH })
export class TwilioInboundController {
  constructor(private readonly receiver: InboundReceiver) {}

  @Post('inbound')
  @HttpCode(200)
  @Header('Content-Type', 'text/xml')
  @TimedWebhook('twilio', 'inbound')
  async inbound(@Body() body: unknown): Promise<string> {
    const parsed = parseTwilioInbound(body);
    if (!parsed.ok) throw new BadRequestException(parsed.problems);
    // A repeat and a number no account owns are both answered like any other text: Twilio has nothing to fix.
    await this.receiver.receive(parsed.text);
    return EMPTY_TWIML;
  }
}
