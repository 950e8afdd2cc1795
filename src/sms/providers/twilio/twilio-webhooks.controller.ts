import {
  BadRequestException,
  Body,
  Controller,
  Header,
  HttpCode,
  ParseUUIDPipe,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '../../core/api-docs';
import { PublicRoute } from '../../auth/caller';
import { TimedWebhook } from '../../metrics/webhook-timing';
import { StatusCallbacks } from '../../webhooks/status-callbacks.service';
import { TwilioSignatureGuard } from './twilio-signature.guard';
import { EMPTY_TWIML, parseTwilioStatusCallback, TWILIO_WEBHOOK_PATH } from './twilio-wire';
import { WebhookLimitsGuard } from '../../webhooks/webhook-limits';

/** Twilio's status callbacks (`…/status?m=<row id>`): each moves its message forward only. */
@ApiExcludeController()
@PublicRoute()
@UseGuards(WebhookLimitsGuard, TwilioSignatureGuard)
@Controller({ path: TWILIO_WEBHOOK_PATH })
export class TwilioWebhooksController {
  constructor(private readonly statusCallbacks: StatusCallbacks) {}

  @Post('status')
  @HttpCode(200)
  @Header('Content-Type', 'text/xml')
  @TimedWebhook('twilio', 'status')
  async status(
    @Body() body: Record<string, unknown>,
    @Query('m', new ParseUUIDPipe({ optional: true, errorHttpStatusCode: 400 })) messageId?: string,
  ): Promise<string> {
    const callback = parseTwilioStatusCallback(body, messageId);
    if (!callback) throw new BadRequestException('A status callback needs MessageSid and a known MessageStatus');
    await this.statusCallbacks.apply(callback);
    return EMPTY_TWIML;
  }
}
