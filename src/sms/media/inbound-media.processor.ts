import { availableParallelism } from 'node:os';
import { Processor } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { JobHandlers, JobWorker } from '../queues/jobs';
import { SmsJob, SmsQueue, StoreInboundMediaJob } from '../queues/queues';
import { InboundMediaService } from './inbound-media.service';

const MEDIA_CONCURRENCY = Math.max(1, Math.min(4, availableParallelism()));

/**
 * Downloads, cleans and stores one MMS item. sharp is CPU-bound and a 12 MP photo holds about 120 MB while it is
 * processed (original and thumbnail at once), so one item per core, at most 4: more only adds memory.
 */
@Processor(SmsQueue.InboundMedia, { concurrency: MEDIA_CONCURRENCY })
export class InboundMediaProcessor extends JobWorker<SmsQueue.InboundMedia> {
  protected readonly queueName = SmsQueue.InboundMedia;
  protected readonly handlers: JobHandlers<SmsQueue.InboundMedia> = {
    [SmsJob.StoreInboundMedia]: (job) => this.store(job),
  };

  constructor(private readonly media: InboundMediaService) {
    super();
  }

  private async store(job: Job<StoreInboundMediaJob>): Promise<{ mediaId: string; status: string } | null> {
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const row = await this.media.store(job.data.messageId, job.data.position, lastAttempt);
    return row ? { mediaId: row.id, status: row.status } : null;
  }
}
