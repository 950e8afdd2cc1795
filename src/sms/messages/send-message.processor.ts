import { OnWorkerEvent, Processor } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';
import { SendThrottledError } from '../providers/provider-rate-limiter';
import { JobHandlers, JobWorker } from '../queues/jobs';
import { SendMessageJob, SmsJob, SmsQueue } from '../queues/queues';
import { SendSchedule } from '../schedule/send-schedule.service';
import { SMS_MODULE_OPTIONS, type ResolvedSmsOptions } from '../sms.options';
import { SendOutcome, SendPipeline } from './send-pipeline.service';

@Processor(SmsQueue.Outbound)
export class SendMessageProcessor extends JobWorker<SmsQueue.Outbound> implements OnApplicationBootstrap {
  private readonly logger = new Logger(SendMessageProcessor.name);
  protected readonly queueName = SmsQueue.Outbound;
  protected readonly handlers: JobHandlers<SmsQueue.Outbound> = {
    [SmsJob.SendMessage]: (job, token) => this.send(job, token),
  };

  constructor(
    private readonly pipeline: SendPipeline,
    private readonly schedule: SendSchedule,
    @Inject(SMS_MODULE_OPTIONS) private readonly options: ResolvedSmsOptions,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.options.workerConcurrency ?? 20;
  }

  private async send(job: Job<SendMessageJob>, token?: string): Promise<SendOutcome> {
    // The row, with what the gates need, in one statement; both the business-hours gate and the pipeline use it.
    const loaded = await this.pipeline.load(job.data.messageId);
    // Business-hours gate: a scheduled text still outside hours goes back to the delayed set (no attempt is used).
    const waitMs = loaded ? await this.schedule.holdFor(loaded.row, loaded.settings) : null;
    if (waitMs !== null) {
      await job.moveToDelayed(Date.now() + waitMs, token);
      throw new DelayedError();
    }
    try {
      return await this.pipeline.send(job.data.messageId, loaded);
    } catch (e) {
      // The provider account's rate limit: the job waits for its reserved slot, again without using an attempt.
      if (!(e instanceof SendThrottledError)) throw e;
      await job.moveToDelayed(Date.now() + e.waitMs, token);
      throw new DelayedError();
    }
  }

  @OnWorkerEvent('failed')
  async onFailed(job: Job<SendMessageJob> | undefined, error: Error): Promise<void> {
    if (!job) return;
    const attempts = job.opts.attempts ?? 1;
    if (job.attemptsMade >= attempts) {
      this.logger.error({ messageId: job.data.messageId, err: error }, 'SMS not sent after the last retry');
      await this.pipeline.giveUp(job.data.messageId, `Not sent after ${attempts} attempts: ${error.message}`);
    }
  }
}
