import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Queue } from 'bullmq';
import { JobHandlers, JobWorker } from '../queues/jobs';
import { SmsJob, SmsQueue } from '../queues/queues';
import { SecretsRotation } from '../secrets/secrets-rotation.service';
import { SMS_MODULE_OPTIONS, type ResolvedSmsOptions } from '../sms.options';
import { OutboxSweep } from './outbox-sweeper';

/** Runs the outbox sweep on its schedule, one at a time, and keeps that schedule in Redis. */
@Processor(SmsQueue.Maintenance, { concurrency: 1 })
export class MaintenanceProcessor
  extends JobWorker<SmsQueue.Maintenance>
  implements OnApplicationBootstrap, OnModuleDestroy
{
  private readonly logger = new Logger(MaintenanceProcessor.name);
  protected readonly queueName = SmsQueue.Maintenance;
  protected readonly handlers: JobHandlers<SmsQueue.Maintenance> = {
    [SmsJob.SweepOutbox]: () => this.sweepOutbox(),
  };
  private watchdog: NodeJS.Timeout | undefined;

  constructor(
    private readonly sweep: OutboxSweep,
    private readonly rotation: SecretsRotation,
    @InjectQueue(SmsQueue.Maintenance) private readonly maintenance: Queue,
    @Inject(SMS_MODULE_OPTIONS) private readonly options: ResolvedSmsOptions,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.schedule();
    // The schedule lives in Redis: a flushed Redis loses it with the jobs the sweep is there to rebuild, so each worker
    // puts it back.
    this.watchdog = setInterval(() => void this.keepScheduled(), this.options.outboxSweepMs);
    this.watchdog.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.watchdog);
  }

  private async schedule(): Promise<void> {
    // A job scheduler: one schedule however many workers start.
    await this.maintenance.upsertJobScheduler(
      SmsJob.SweepOutbox,
      { every: this.options.outboxSweepMs },
      { name: SmsJob.SweepOutbox },
    );
  }

  private async keepScheduled(): Promise<void> {
    try {
      if (await this.maintenance.getJobScheduler(SmsJob.SweepOutbox)) return;
      this.logger.warn('the outbox sweep schedule was gone from Redis (flushed?); scheduling it again');
      await this.schedule();
    } catch (e) {
      this.logger.warn({ err: e }, 'could not check the outbox sweep schedule; trying again on the next tick');
    }
  }

  private async sweepOutbox(): Promise<number> {
    const requeued = await this.sweep.run();
    // After a SECRETS_KEY rotation: secrets sealed with a retired key are sealed again, a batch per sweep.
    await this.rotation
      .run()
      .catch((e: unknown) =>
        this.logger.warn({ err: e }, 'could not seal stored secrets again; trying on the next sweep'),
      );
    return requeued;
  }
}
