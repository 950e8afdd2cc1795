import { randomUUID } from 'node:crypto';
import { InjectFlowProducer, InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { FlowProducer } from 'bullmq';
import { LessThan, Repository } from 'typeorm';
import type { InboundMediaItem } from '../messages/sms-message.entity';
import { SmsMessage } from '../messages/sms-message.entity';
import { smsKeyword } from '../opt-outs/opt-out-keywords';
import { addJob, addJobs, jobOf, type SmsQueueOf } from '../queues/jobs';
import { INBOUND_FLOW, jobEnded, SmsJob, SmsQueue } from '../queues/queues';

const withMedia = (row: InboundRow) => landsWithMedia(row.body, (row.inboundMedia ?? []).length);

/** What enqueueing needs to know about an inbound row. */
export interface InboundRow {
  id: string;
  body: string;
  inboundMedia: InboundMediaItem[] | null;
  /** The job of the webhook batch that stored it, for a plain text; null for an MMS. */
  inboundJobId: string | null;
}

/** Media child job id: BullMQ refuses ':' in custom ids, and it must be stable so a second add is a no-op. */
export function mediaJobId(messageId: string, position: number): string {
  return `${messageId}-media-${position}`;
}

/** Whether a text lands as an MMS flow (its pictures kept): it has media and is not an opt-out, which keeps nothing. */
export function landsWithMedia(body: string, mediaCount: number): boolean {
  return mediaCount > 0 && smsKeyword(body)?.kind !== 'opt_out';
}

/** A new job id for the plain texts of one webhook batch (BullMQ refuses ':' in custom ids). */
export function newBatchJobId(): string {
  return `texts-${randomUUID()}`;
}

/**
 * Enqueues inbound processing. The plain texts a webhook batch stored are one job, whose id their rows carry
 * (`inbound_job_id`): a job costs Redis three scripts whatever it holds. A text enqueued on its own (by the outbox
 * sweep, or after its batch failed) is one job whose id is the row id. An MMS is a flow whose children store one item
 * each and whose parent (job id = row id) writes the comment once every child has finished.
 */
@Injectable()
export class InboundQueue {
  private readonly logger = new Logger(InboundQueue.name);

  constructor(
    @InjectQueue(SmsQueue.Inbound) private readonly queue: SmsQueueOf<SmsQueue.Inbound>,
    @InjectFlowProducer(INBOUND_FLOW) private readonly flows: FlowProducer,
    @InjectRepository(SmsMessage) private readonly messages: Repository<SmsMessage>,
  ) {}

  /**
   * A text on its own, after commit. A failure is logged, not thrown: the row is safe and the outbox sweep enqueues it
   * again.
   */
  async enqueue(row: InboundRow): Promise<void> {
    if (withMedia(row)) await this.addFlow(row);
    else await this.logFailure([row.id], () => this.enqueueEach([row.id]));
  }

  /**
   * After commit, for rows stored together: the plain texts as the job their rows were stored with, each MMS (no job
   * id stored) as a flow of its own. Failures are logged, not thrown, as for `enqueue`.
   */
  async enqueueStored(rows: InboundRow[]): Promise<void> {
    const batches = new Map<string, string[]>();
    for (const row of rows) {
      if (!row.inboundJobId) continue;
      const messageIds = batches.get(row.inboundJobId) ?? [];
      messageIds.push(row.id);
      batches.set(row.inboundJobId, messageIds);
    }
    await Promise.all([
      ...[...batches].map(([jobId, messageIds]) =>
        this.logFailure(messageIds, () => addJob(this.queue, SmsJob.ProcessInboundBatch, { messageIds }, { jobId })),
      ),
      ...rows.filter((row) => !row.inboundJobId).map((row) => this.addFlow(row)),
    ]);
  }

  /**
   * Plain texts as a job each (job id = row id), in one Redis round trip: those of a batch that could not land
   * together. Throws if Redis refuses, so the batch's job is retried and nothing is left without a job.
   */
  async enqueueEach(messageIds: string[]): Promise<void> {
    if (messageIds.length === 0) return;
    await addJobs(
      this.queue,
      messageIds.map((messageId) => ({ name: SmsJob.ProcessInbound, data: { messageId }, add: { jobId: messageId } })),
    );
  }

  /** Runs an enqueue after commit; a failure is logged, not thrown: the rows are safe and the outbox sweep retries. */
  private async logFailure(messageIds: string[], add: () => Promise<unknown>): Promise<void> {
    try {
      await add();
    } catch (e) {
      this.logger.warn({ err: e, messageIds }, 'could not enqueue inbound texts; the outbox sweep will retry');
    }
  }

  private async addFlow(row: InboundRow): Promise<void> {
    await this.logFailure([row.id], () =>
      this.flows.add({
        ...jobOf(SmsJob.ProcessInbound, { messageId: row.id, withMedia: true }, { jobId: row.id }),
        children: (row.inboundMedia ?? []).map((_, position) =>
          jobOf(SmsJob.StoreInboundMedia, { messageId: row.id, position }, { jobId: mediaJobId(row.id, position) }),
        ),
      }),
    );
  }

  /**
   * Rows still `received` with no live job (a crash after commit, a flushed Redis) are enqueued again, each on its
   * own. A text is waiting while its batch's job or a job of its own (its row id) is: both are asked, each job once.
   */
  async requeueStuck(cutoff: Date, batch: number): Promise<number> {
    const rows = await this.messages.find({
      select: { id: true, body: true, inboundMedia: true, inboundJobId: true },
      where: { direction: 'inbound', status: 'received', updatedAt: LessThan(cutoff) },
      order: { createdAt: 'ASC' },
      take: batch,
    });
    const states = new Map<string, Promise<string>>();
    const stateOf = (jobId: string) => {
      let state = states.get(jobId);
      if (!state) states.set(jobId, (state = this.queue.getJobState(jobId)));
      return state;
    };
    let requeued = 0;
    for (const row of rows) {
      if (row.inboundJobId && !jobEnded(await stateOf(row.inboundJobId))) continue;
      const state = await stateOf(row.id);
      if (jobEnded(state)) {
        // Removing the parent removes its children too, so the flow is rebuilt whole.
        if (state !== 'unknown') await this.queue.remove(row.id);
        await this.enqueue(row);
        requeued++;
      }
    }
    if (requeued > 0) this.logger.warn({ requeued }, 'outbox sweep enqueued inbound texts that had no job');
    return requeued;
  }
}
