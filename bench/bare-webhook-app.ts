/**
 * The ingest baseline: a bare NestJS app with one route answering Twilio's `<Response/>`, with the same form body
 * parser as the service and nothing else (no signature check, no logging, no database, no queue). Run as its own
 * process by bench/ingest.ts: `PORT=… node dist-bench/bench/bare-webhook-app.js`.
 */
import 'reflect-metadata';
import { Controller, Header, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';

@Controller('webhooks/twilio')
class BareWebhookController {
  @Post('inbound')
  @HttpCode(200)
  @Header('Content-Type', 'text/xml')
  inbound(): string {
    return '<?xml version="1.0" encoding="UTF-8"?><Response/>';
  }
}

@Module({ controllers: [BareWebhookController] })
class BareWebhookModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(BareWebhookModule, { bodyParser: false, logger: false });
  app.useBodyParser('urlencoded', { extended: false, limit: '256kb' });
  app.disable('x-powered-by');
  await app.listen(Number(process.env.PORT));
}

void main();
