import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Job } from 'bullmq';
import { SendMessageJob, SmsJob, SmsQueue } from '../queues/queues';
import { SMS_MODULE_OPTIONS, SmsModuleOptions } from '../sms.options';
import { SendOutcome, SendPipeline } from './send-pipeline.service';

@Processor(SmsQueue.Outbound)
export class SendMessageProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(SendMessageProcessor.name);

  constructor(
    private readonly pipeline: SendPipeline,
    @Inject(SMS_MODULE_OPTIONS) private readonly options: SmsModuleOptions,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.options.workerConcurrency ?? 20;
  }

  async process(job: Job<SendMessageJob>): Promise<SendOutcome> {
    if (job.name !== SmsJob.SendMessage) throw new Error(`No handler for job ${job.name} on ${SmsQueue.Outbound}`);
    return this.pipeline.send(job.data.messageId);
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
