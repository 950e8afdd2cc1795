import { InjectFlowProducer, InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { FlowProducer, JobsOptions, Queue } from 'bullmq';
import { LessThan, Repository } from 'typeorm';
import type { InboundMediaItem } from '../messages/sms-message.entity';
import { SmsMessage } from '../messages/sms-message.entity';
import { smsKeyword } from '../opt-outs/opt-out-keywords';
import { INBOUND_FLOW, ProcessInboundJob, SmsJob, SmsQueue, StoreInboundMediaJob } from '../queues/queues';

const KEEP_COMPLETED = { age: 3600, count: 10000 };
const KEEP_FAILED = { age: 7 * 24 * 3600 };

/** What enqueueing needs to know about an inbound row. */
export interface InboundRow {
  id: string;
  body: string;
  inboundMedia: InboundMediaItem[] | null;
}

/** Media child job id: BullMQ refuses ':' in custom ids, and it must be stable so a second add is a no-op. */
export function mediaJobId(messageId: string, position: number): string {
  return `${messageId}-media-${position}`;
}

/**
 * Enqueues inbound processing. A plain text is one job; an MMS is a flow whose children store one item each
 * and whose parent (the same job id, the row id) writes the comment once every child has finished.
 */
@Injectable()
export class InboundQueue {
  private readonly logger = new Logger(InboundQueue.name);

  constructor(
    @InjectQueue(SmsQueue.Inbound) private readonly queue: Queue<ProcessInboundJob>,
    @InjectFlowProducer(INBOUND_FLOW) private readonly flows: FlowProducer,
    @InjectRepository(SmsMessage) private readonly messages: Repository<SmsMessage>,
  ) {}

  /** After commit. A failure is logged, not thrown: the row is safe and the outbox sweep enqueues it again. */
  async enqueue(row: InboundRow): Promise<void> {
    await this.enqueueMany([row]);
  }

  /**
   * After commit, for rows stored together: every plain text in one bulk add (one Redis round trip), each MMS as a
   * flow of its own. Failures are logged, not thrown, as for `enqueue`.
   */
  async enqueueMany(rows: InboundRow[]): Promise<void> {
    // An opt-out keeps nothing: its pictures are not downloaded at all.
    const withMedia = (row: InboundRow) => (row.inboundMedia ?? []).length > 0 && smsKeyword(row.body)?.kind !== 'opt_out';
    const plain = rows.filter((row) => !withMedia(row));
    await Promise.all([this.addPlain(plain), ...rows.filter(withMedia).map((row) => this.addFlow(row))]);
  }

  private async addPlain(rows: InboundRow[]): Promise<void> {
    if (rows.length === 0) return;
    try {
      await this.queue.addBulk(rows.map((row) => ({ name: SmsJob.ProcessInbound, data: { messageId: row.id }, opts: this.parentOptions(row.id) })));
    } catch (e) {
      this.logger.warn({ err: e, messageIds: rows.map((row) => row.id) }, 'could not enqueue inbound texts; the outbox sweep will retry');
    }
  }

  private async addFlow(row: InboundRow): Promise<void> {
    try {
      await this.flows.add({
        name: SmsJob.ProcessInbound,
        queueName: SmsQueue.Inbound,
        data: { messageId: row.id, withMedia: true } satisfies ProcessInboundJob,
        opts: this.parentOptions(row.id),
        children: (row.inboundMedia ?? []).map((_, position) => ({
          name: SmsJob.StoreInboundMedia,
          queueName: SmsQueue.InboundMedia,
          data: { messageId: row.id, position } satisfies StoreInboundMediaJob,
          opts: {
            jobId: mediaJobId(row.id, position),
            attempts: 5,
            backoff: { type: 'exponential', delay: 2000, jitter: 0.5 },
            // A child that gives up must not strand the text: the parent runs and names the item as left out.
            ignoreDependencyOnFailure: true,
            removeOnComplete: KEEP_COMPLETED,
            removeOnFail: KEEP_FAILED,
          },
        })),
      });
    } catch (e) {
      this.logger.warn({ err: e, messageId: row.id }, 'could not enqueue an inbound text; the outbox sweep will retry');
    }
  }

  /** Rows still `received` with no live job (a crash after commit, a flushed Redis) are enqueued again. */
  async requeueStuck(cutoff: Date, batch: number): Promise<number> {
    const rows = await this.messages.find({
      select: { id: true, body: true, inboundMedia: true },
      where: { direction: 'inbound', status: 'received', updatedAt: LessThan(cutoff) },
      order: { createdAt: 'ASC' },
      take: batch,
    });
    let requeued = 0;
    for (const row of rows) {
      const state = await this.queue.getJobState(row.id);
      if (state === 'unknown' || state === 'completed' || state === 'failed') {
        // Removing the parent removes its children too, so the flow is rebuilt whole.
        if (state !== 'unknown') await this.queue.remove(row.id);
        await this.enqueue(row);
        requeued++;
      }
    }
    if (requeued > 0) this.logger.warn({ requeued }, 'outbox sweep enqueued inbound texts that had no job');
    return requeued;
  }

  private parentOptions(messageId: string): JobsOptions {
    return {
      jobId: messageId,
      attempts: 8,
      backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
      removeOnComplete: KEEP_COMPLETED,
      removeOnFail: KEEP_FAILED,
    };
  }
}
