import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { JobsOptions } from 'bullmq';
import { Coalescer } from '../core/coalescer';
import { jobOptions, type SmsQueueOf } from '../queues/jobs';
import { SmsJob, SmsQueue } from '../queues/queues';
import { SMS_MODULE_OPTIONS, type ResolvedSmsOptions } from '../sms.options';

/** Puts send jobs on the outbound queue. The job id is the message row id, so a second enqueue is a no-op. */
@Injectable()
export class OutboundQueue {
  private readonly logger = new Logger(OutboundQueue.name);

  constructor(
    @InjectQueue(SmsQueue.Outbound) private readonly queue: SmsQueueOf<SmsQueue.Outbound>,
    @Inject(SMS_MODULE_OPTIONS) private readonly options: ResolvedSmsOptions,
  ) {}

  /**
   * The texts committed while an add is under way go to Redis together, in one round trip: under load every request
   * enqueues its own text just after its commit.
   */
  private readonly adding = new Coalescer<{ messageIds: string[]; delayMs: number }, void>(
    async (batch) => {
      await this.queue.addBulk(
        batch.flatMap(({ messageIds, delayMs }) =>
          messageIds.map((messageId) => ({
            name: SmsJob.SendMessage,
            data: { messageId },
            opts: this.jobOptions(messageId, delayMs),
          })),
        ),
      );
      return batch.map(() => undefined);
    },
    { maxBatch: 64, maxInFlight: 2 },
  );

  jobOptions(messageId: string, delayMs = 0): JobsOptions {
    return jobOptions(SmsJob.SendMessage, { jobId: messageId, delayMs, retryBaseMs: this.options.sendRetryBaseMs });
  }

  /** Enqueues after commit. A failure here is logged, not thrown: the outbox sweep will enqueue the rows. */
  async enqueue(messageIds: string[], delayMs = 0): Promise<void> {
    if (messageIds.length === 0) return;
    try {
      await this.adding.submit({ messageIds, delayMs });
    } catch (e) {
      this.logger.warn({ err: e, count: messageIds.length }, 'could not enqueue SMS jobs; the outbox sweep will retry');
    }
  }

  /**
   * Enqueues rows whose earlier job may have finished (texts released after waiting for credits, the next part of a
   * split text): a finished job keeps its id for an hour and would turn the add into a no-op, so it is removed first.
   * `delayMs`: the jobs wait that long (a released text that waits for the account's opening).
   */
  async requeue(messageIds: string[], delayMs = 0): Promise<void> {
    try {
      for (let i = 0; i < messageIds.length; i += 50) {
        await Promise.all(
          messageIds.slice(i, i + 50).map(async (messageId) => {
            const state = await this.queue.getJobState(messageId);
            if (state === 'completed' || state === 'failed') await this.queue.remove(messageId);
          }),
        );
      }
    } catch (e) {
      this.logger.warn(
        { err: e, count: messageIds.length },
        'could not clear finished SMS jobs; the outbox sweep will retry',
      );
      return;
    }
    await this.enqueue(messageIds, delayMs);
  }

  /** The queue's view of one job: absent, or its state. */
  async jobState(messageId: string): Promise<string> {
    return this.queue.getJobState(messageId);
  }

  async removeJob(messageId: string): Promise<void> {
    await this.queue.remove(messageId);
  }
}
