import { InjectQueue } from '@nestjs/bullmq';
import { Controller, Get, Logger } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { PublicRoute, SmsQueue } from '../sms';

const PING_TIMEOUT_MS = 2000;

@ApiTags('health')
@PublicRoute()
@Controller({ path: 'health' })
export class HealthController {
  private readonly logger = new Logger(HealthController.name);

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly dataSource: DataSource,
    @InjectQueue(SmsQueue.Outbound) private readonly queue: Queue,
  ) {}

  /**
   * PostgreSQL and Redis both answer: 200; otherwise 503 naming which one is down. The error itself goes to the log
   * only: anyone may call this, and a driver's message can name hosts, users and versions.
   */
  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.ping('postgres', () => this.dataSource.query('SELECT 1')),
      // Any round trip to Redis will do; counting waiting jobs is one.
      () => this.ping('redis', () => this.queue.getJobCounts('wait')),
    ]);
  }

  private async ping(name: string, roundTrip: () => Promise<unknown>) {
    const indicator = this.indicators.check(name);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        roundTrip(),
        new Promise(
          (_, reject) =>
            (timer = setTimeout(() => reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS)),
        ),
      ]);
      return indicator.up();
    } catch (e) {
      this.logger.warn({ check: name, error: (e as Error).message }, 'health check failed');
      return indicator.down();
    } finally {
      clearTimeout(timer);
    }
  }
}
