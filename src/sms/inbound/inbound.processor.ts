import { OnWorkerEvent, Processor } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Job } from 'bullmq';
import { JobHandlers, JobWorker } from '../queues/jobs';
import { ProcessInboundJob, SmsJob, SmsQueue } from '../queues/queues';
import { SMS_MODULE_OPTIONS, type ResolvedSmsOptions } from '../sms.options';
import { Coalescer } from '../core/coalescer';
import { BatchOutcome, InboundLanding, InboundOutcome } from './inbound-landing.service';
import { inTurn } from './inbound-turns';
import { InboundQueue } from './inbound-queue.service';

/** A batch that failed: each of its texts is processed again on its own, so only a text's own job sees its error. */
const ALONE = 'alone';

/** What a webhook batch's job returns: how many texts it held, and how many it gave a job of their own. */
interface BatchJobResult {
  texts: number;
  onTheirOwn: number;
}

/**
 * Texts landing at once share one transaction: a batch costs PostgreSQL and this process about what one text does,
 * and the landing is the work every inbound text does. Two batches may run at once, so one is being written while
 * the next is read. A batch holds the texts of the jobs running, each a webhook batch's texts (up to 64) or one text.
 */
const BATCH = { maxBatch: 64, maxInFlight: 2 };

/** Lands inbound texts; for an MMS this is the flow's parent and runs once every media child has finished. */
@Processor(SmsQueue.Inbound)
export class InboundProcessor extends JobWorker<SmsQueue.Inbound> implements OnApplicationBootstrap {
  private readonly logger = new Logger(InboundProcessor.name);
  protected readonly queueName = SmsQueue.Inbound;
  protected readonly handlers: JobHandlers<SmsQueue.Inbound> = {
    [SmsJob.ProcessInboundBatch]: (job) => this.processBatch(job.data.messageIds),
    [SmsJob.ProcessInbound]: (job) => this.processText(job),
  };
  private readonly batches = new Coalescer<string, BatchOutcome | typeof ALONE>((ids) => this.landBatch(ids), BATCH);

  constructor(
    private readonly landing: InboundLanding,
    private readonly queue: InboundQueue,
    @Inject(SMS_MODULE_OPTIONS) private readonly options: ResolvedSmsOptions,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    // A batch only holds texts whose jobs the worker has taken: enough of them to fill the batches in flight.
    this.worker.concurrency = Math.max(this.options.workerConcurrency ?? 20, BATCH.maxBatch * BATCH.maxInFlight);
  }

  /**
   * A webhook batch's texts. Each goes into a landing batch; a text that could not land with others is given a job of
   * its own, whose retries and final failure are that text's alone. Texts already landed (a second run) are skipped.
   */
  private async processBatch(messageIds: string[]): Promise<BatchJobResult> {
    const outcomes = await Promise.all(messageIds.map((id) => this.landInTurn(id).catch(() => ALONE)));
    const alone = messageIds.filter((_, i) => outcomes[i] === ALONE);
    // Redis refusing this throws: the job is retried and the texts that landed are skipped then.
    await this.queue.enqueueEach(alone);
    return { texts: messageIds.length, onTheirOwn: alone.length };
  }

  private async processText(job: Job<ProcessInboundJob>): Promise<InboundOutcome> {
    if (job.data.withMedia) {
      // What the media children returned, and the reasons of those that gave up (ignoreDependencyOnFailure);
      // the media rows stay the truth, these only tell the log.
      const [stored, failed] = await Promise.all([
        job.getChildrenValues<{ status: string } | null>(),
        job.getIgnoredChildrenFailures(),
      ]);
      const failures = Object.values(failed);
      if (failures.length > 0)
        this.logger.warn(
          { messageId: job.data.messageId, children: Object.keys(stored).length, failures },
          'some MMS items could not be stored',
        );
    }
    const outcome = await this.landInTurn(job.data.messageId);
    if (outcome !== ALONE) return outcome;
    // Its batch failed: this text on its own, so an error here is its own.
    return inTurn(async () => (await this.landing.land([job.data.messageId]))[0]);
  }

  private landInTurn(messageId: string): Promise<InboundOutcome | typeof ALONE> {
    return inTurn(() => this.batches.submit(messageId));
  }

  private async landBatch(messageIds: string[]): Promise<(BatchOutcome | typeof ALONE)[]> {
    try {
      return await this.landing.land(messageIds);
    } catch (e) {
      if (messageIds.length === 1) throw e;
      // Nothing of the batch committed: a deadlock with another writer, or one text that cannot land.
      this.logger.warn(
        { texts: messageIds.length, err: e },
        'a batch of inbound texts failed; each is processed on its own',
      );
      return messageIds.map(() => ALONE);
    }
  }

  @OnWorkerEvent('failed')
  async onFailed(job: Job<ProcessInboundJob> | undefined, error: Error): Promise<void> {
    // A batch's job that gives up leaves its texts `received`: the outbox sweep enqueues each on its own.
    if (!job || job.name !== SmsJob.ProcessInbound) return;
    const attempts = job.opts.attempts ?? 1;
    if (job.attemptsMade >= attempts) {
      this.logger.error(
        { messageId: job.data.messageId, err: error },
        'inbound text not processed after the last retry',
      );
      await this.landing.giveUp(job.data.messageId, `Not processed after ${attempts} attempts: ${error.message}`);
    }
  }
}
