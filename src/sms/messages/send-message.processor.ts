import { OnWorkerEvent, Processor } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';
import { Coalescer } from '../core/coalescer';
import { SendThrottledError } from '../providers/provider-rate-limiter';
import { JobHandlers, JobWorker } from '../queues/jobs';
import { SendMessageJob, SmsJob, SmsQueue } from '../queues/queues';
import { SMS_MODULE_OPTIONS, type ResolvedSmsOptions } from '../sms.options';
import { SendEndings } from './send-endings.service';
import { SendPipeline } from './send-pipeline.service';
import type { SendOutcome, SendResult } from './send-results';

/**
 * Texts sent at once share the pipeline's statements: one read, one claim transaction, one record of the acceptances,
 * whatever the batch size, with the provider calls of a batch made concurrently. Three batches may run at once, so one
 * is being claimed while another waits for the provider. A batch holds the texts of the send jobs the worker runs.
 */
const BATCH = { maxBatch: 64, maxInFlight: 3 };

@Processor(SmsQueue.Outbound)
export class SendMessageProcessor extends JobWorker<SmsQueue.Outbound> implements OnApplicationBootstrap {
  private readonly logger = new Logger(SendMessageProcessor.name);
  private readonly sending = new Coalescer<string, SendResult>((ids) => this.sendBatch(ids), BATCH);
  protected readonly queueName = SmsQueue.Outbound;
  protected readonly handlers: JobHandlers<SmsQueue.Outbound> = {
    [SmsJob.SendMessage]: (job, token) => this.send(job, token),
  };

  constructor(
    private readonly pipeline: SendPipeline,
    private readonly endings: SendEndings,
    @Inject(SMS_MODULE_OPTIONS) private readonly options: ResolvedSmsOptions,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    // A batch only holds texts whose jobs the worker has taken: enough of them to fill the batches in flight.
    this.worker.concurrency = Math.max(this.options.workerConcurrency ?? 20, BATCH.maxBatch * BATCH.maxInFlight);
  }

  private async send(job: Job<SendMessageJob>, token?: string): Promise<SendOutcome> {
    const result = await this.sending.submit(job.data.messageId);
    if ('outcome' in result) return result.outcome;
    // The business-hours gate (a scheduled text while closed) or the provider account's rate limit: the job waits in
    // the delayed set without using an attempt.
    if ('error' in result && !(result.error instanceof SendThrottledError)) throw result.error;
    const waitMs = 'delayMs' in result ? result.delayMs : (result.error as SendThrottledError).waitMs;
    await job.moveToDelayed(Date.now() + waitMs, token);
    throw new DelayedError();
  }

  /** A batch that fails as a whole (a deadlock, the database gone mid-batch) goes again one text at a time. */
  private async sendBatch(messageIds: string[]): Promise<SendResult[]> {
    try {
      return await this.pipeline.sendMany(messageIds);
    } catch (e) {
      if (messageIds.length === 1) return [{ error: e }];
      this.logger.warn({ texts: messageIds.length, err: e }, 'a batch of SMS failed; each is sent on its own');
      // Each alone finds its row as the batch left it: a row left `submitting` is looked up before any resend.
      return Promise.all(
        messageIds.map((id) =>
          this.pipeline.sendMany([id]).then(
            ([result]) => result,
            (error: unknown) => ({ error }),
          ),
        ),
      );
    }
  }

  @OnWorkerEvent('failed')
  async onFailed(job: Job<SendMessageJob> | undefined, error: Error): Promise<void> {
    if (!job) return;
    const attempts = job.opts.attempts ?? 1;
    if (job.attemptsMade >= attempts) {
      this.logger.error({ messageId: job.data.messageId, err: error }, 'SMS not sent after the last retry');
      await this.endings.giveUp(job.data.messageId, `Not sent after ${attempts} attempts: ${error.message}`);
    }
  }
}
