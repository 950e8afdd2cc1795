import {
  CanActivate,
  Controller,
  ExecutionContext,
  Get,
  Header,
  Inject,
  Injectable,
  NotFoundException,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { APP_CONFIG, Environment } from '../config/app-config';
import { PublicRoute, SmsMetrics } from '../sms';
import { operatorRefusal } from './operator-access';

/** The platform token, unless METRICS_PUBLIC says the port is reached by the scraper alone. */
@Injectable()
export class MetricsAccessGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly env: Environment) {}

  canActivate(context: ExecutionContext): boolean {
    if (this.env.METRICS_PUBLIC) return true;
    const http = context.switchToHttp();
    const refusal = operatorRefusal(http.getRequest<Request>().header('authorization'), this.env.PLATFORM_TOKEN);
    if (!refusal) return true;
    if (refusal.status === 404) throw new NotFoundException(`${refusal.message}; or set METRICS_PUBLIC=true`);
    http.getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer realm="ticket-sms metrics"');
    throw new UnauthorizedException(refusal.message);
  }
}

/** The process's own figures (CPU, memory, event loop), beside the SMS module's. */
export function processRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Prometheus metrics of this process: the SMS module's (queues, texts, latency, credits) and the process's own. */
@ApiExcludeController()
@PublicRoute()
@UseGuards(MetricsAccessGuard)
@Controller({ path: 'metrics' })
export class MetricsController {
  private readonly process = processRegistry();

  constructor(private readonly sms: SmsMetrics) {}

  @Get()
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  async metrics(): Promise<string> {
    return (await this.sms.metrics()) + (await this.process.metrics());
  }
}
