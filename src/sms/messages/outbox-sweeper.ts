import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Clock } from '../clock/clock';
import { ConversationTimers } from '../conversations/conversation-timers';
import { HeldMessages } from '../credits/held-messages.service';
import { InboundQueue } from '../inbound/inbound-queue.service';
import { jobEnded } from '../queues/queues';
import { SendSchedule } from '../schedule/send-schedule.service';
import { OutboundQueue } from './outbound-queue.service';
import { SmsMessage } from './sms-message.entity';

// Rows younger than this are still being enqueued by the request that wrote them.
const GRACE_MS = 10_000;
// A claimed row may wait this long for its provider call and the call run to its timeout: until then another job for
// it could send it while the first call is still on its way (the worker that claimed it may be alive, with its job lost
// to a flushed Redis). A worker that died leaves its jobs to BullMQ's stalled check, not to the sweep.
const SUBMITTING_GRACE_MS = 5 * 60_000;
const BATCH = 500;

/** Finds outbox rows that have no live job (a crash after commit, a flushed Redis) and enqueues them again. */
@Injectable()
export class OutboxSweep {
  private readonly logger = new Logger(OutboxSweep.name);

  constructor(
    @InjectRepository(SmsMessage) private readonly messages: Repository<SmsMessage>,
    private readonly queue: OutboundQueue,
    private readonly clock: Clock,
    private readonly schedule: SendSchedule,
    private readonly held: HeldMessages,
    private readonly inbound: InboundQueue,
    private readonly timers: ConversationTimers,
  ) {}

  async run(): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - GRACE_MS);
    const submittingCutoff = new Date(this.clock.now().getTime() - SUBMITTING_GRACE_MS);
    const rows = await this.messages
      .createQueryBuilder('m')
      .select(['m.id'])
      .where(
        `m.direction = 'outbound' AND ((m.status = 'pending' AND m.updated_at < :cutoff)
           OR (m.status = 'submitting' AND m.updated_at < :submittingCutoff))`,
        { cutoff, submittingCutoff },
      )
      // A later part of a split text has no job until the part before it was accepted: not lost, waiting its turn.
      .andWhere(
        `NOT EXISTS (SELECT 1 FROM sms_messages p WHERE p.send_id = m.send_id AND p.part_index = m.part_index - 1
           AND p.provider_message_id IS NULL AND p.status IN ('pending', 'scheduled', 'held_no_credit', 'submitting'))`,
      )
      .orderBy('m.created_at', 'ASC')
      .limit(BATCH)
      .getMany();
    let requeued = 0;
    for (const row of rows) {
      const state = await this.queue.jobState(row.id);
      if (jobEnded(state)) {
        if (state !== 'unknown') await this.queue.removeJob(row.id);
        await this.queue.enqueue([row.id]);
        requeued++;
      }
    }
    if (requeued > 0) this.logger.warn({ requeued }, 'outbox sweep enqueued SMS rows that had no job');
    // Held texts go out when credits exist, even with nobody buying (a new month's allowance, a refund).
    requeued += await this.held.releaseWhereCredited();
    // Inbound texts still `received` with no job (a flushed Redis) are processed after all.
    requeued += await this.inbound.requeueStuck(cutoff, BATCH);
    // Claim expiries and response deadlines: lost jobs come back, due ones run.
    requeued += await this.timers.sweep();
    // Scheduled rows: delayed jobs lost with Redis come back before they are due.
    return requeued + (await this.schedule.sweep());
  }
}
