import { InjectQueue } from '@nestjs/bullmq';
import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Queue } from 'bullmq';
import { PublicRoute, SmsQueue } from '../sms';

@ApiTags('health')
@PublicRoute()
@Controller({ path: 'health' })
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @InjectQueue(SmsQueue.Outbound) private readonly queue: Queue,
  ) {}

  /** PostgreSQL and Redis both answer: 200; otherwise 503 with which one failed. */
  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.db.pingCheck('postgres', { timeout: 2000 }),
      async () => {
        const indicator = this.indicators.check('redis');
        try {
          // Any round trip to Redis will do; counting waiting jobs is one.
          await this.queue.getJobCounts('wait');
          return indicator.up();
        } catch (e) {
          return indicator.down({ message: (e as Error).message });
        }
      },
    ]);
  }
}
