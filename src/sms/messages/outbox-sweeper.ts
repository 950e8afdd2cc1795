import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Job, Queue } from 'bullmq';
import { In, LessThan, Repository } from 'typeorm';
import { Clock } from '../clock/clock';
import { SmsJob, SmsQueue } from '../queues/queues';
import { SMS_MODULE_OPTIONS, SmsModuleOptions } from '../sms.options';
import { MessageQueue } from './message-queue.service';
import { SmsMessage } from './sms-message.entity';

// Rows younger than this are still being enqueued by the request that wrote them.
const GRACE_MS = 10_000;
const BATCH = 500;

/** Finds outbox rows that have no live job (a crash after commit, a flushed Redis) and enqueues them again. */
@Injectable()
export class OutboxSweep {
  private readonly logger = new Logger(OutboxSweep.name);

  constructor(
    @InjectRepository(SmsMessage) private readonly messages: Repository<SmsMessage>,
    private readonly queue: MessageQueue,
    private readonly clock: Clock,
  ) {}

  async run(): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - GRACE_MS);
    const rows = await this.messages.find({
      select: { id: true, status: true, sendAt: true },
      where: { direction: 'outbound', status: In(['pending', 'submitting']), updatedAt: LessThan(cutoff) },
      order: { createdAt: 'ASC' },
      take: BATCH,
    });
    let requeued = 0;
    for (const row of rows) {
      const state = await this.queue.jobState(row.id);
      if (state === 'unknown' || state === 'completed' || state === 'failed') {
        if (state !== 'unknown') await this.queue.removeJob(row.id);
        await this.queue.enqueue([row.id]);
        requeued++;
      }
    }
    if (requeued > 0) this.logger.warn({ requeued }, 'outbox sweep enqueued SMS rows that had no job');
    return requeued;
  }
}

@Processor(SmsQueue.Maintenance, { concurrency: 1 })
export class MaintenanceProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly sweep: OutboxSweep,
    @InjectQueue(SmsQueue.Maintenance) private readonly maintenance: Queue,
    @Inject(SMS_MODULE_OPTIONS) private readonly options: SmsModuleOptions,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    // A job scheduler (not the old `repeat` option): one schedule however many workers start.
    await this.maintenance.upsertJobScheduler(SmsJob.SweepOutbox, { every: this.options.outboxSweepMs }, { name: SmsJob.SweepOutbox });
  }

  async process(job: Job): Promise<number> {
    if (job.name !== SmsJob.SweepOutbox) throw new Error(`No handler for job ${job.name} on ${SmsQueue.Maintenance}`);
    return this.sweep.run();
  }
}
