import { availableParallelism } from 'node:os';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { SmsJob, SmsQueue, StoreInboundMediaJob } from '../queues/queues';
import { InboundMediaService } from './inbound-media.service';

const MEDIA_CONCURRENCY = Math.max(1, Math.min(4, availableParallelism()));

/**
 * Downloads, cleans and stores one MMS item. sharp is CPU-bound and a 12 MP photo holds about 120 MB while it is
 * processed (original and thumbnail at once), so one item per core, at most 4: more only adds memory.
 */
@Processor(SmsQueue.InboundMedia, { concurrency: MEDIA_CONCURRENCY })
export class InboundMediaProcessor extends WorkerHost {
  constructor(private readonly media: InboundMediaService) {
    super();
  }

  async process(job: Job<StoreInboundMediaJob>): Promise<{ mediaId: string; status: string } | null> {
    if (job.name !== SmsJob.StoreInboundMedia)
      throw new Error(`No handler for job ${job.name} on ${SmsQueue.InboundMedia}`);
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const row = await this.media.store(job.data.messageId, job.data.position, lastAttempt);
    return row ? { mediaId: row.id, status: row.status } : null;
  }
}
