import {
  applyDecorators,
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  SetMetadata,
  UseInterceptors,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { Observable } from 'rxjs';
import { finalize } from 'rxjs/operators';
import { SmsMetrics } from './sms-metrics.service';

const WEBHOOK = 'smsWebhookMetric';

interface WebhookLabels {
  provider: string;
  kind: string;
}

/** Times each answer of this provider webhook into ticket_sms_webhook_duration_seconds. */
export const TimedWebhook = (provider: string, kind: string) =>
  applyDecorators(SetMetadata(WEBHOOK, { provider, kind } satisfies WebhookLabels), UseInterceptors(WebhookTiming));

@Injectable()
export class WebhookTiming implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly metrics: SmsMetrics,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const labels = this.reflector.get<WebhookLabels | undefined>(WEBHOOK, context.getHandler());
    if (!labels) return next.handle();
    const started = process.hrtime.bigint();
    const res = context.switchToHttp().getResponse<Response>();
    // Once the answer is written: a refused body (4xx) counts as much as an accepted one.
    return next.handle().pipe(
      finalize(() => {
        const record = () =>
          this.metrics.webhookAnswered(
            labels.provider,
            labels.kind,
            res.statusCode,
            Number(process.hrtime.bigint() - started) / 1e9,
          );
        if (res.writableFinished) record();
        else res.once('finish', record);
      }),
    );
  }
}
