import { Processor } from '@nestjs/bullmq';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AvailabilityService } from '../availability/availability.service';
import { Clock } from '../clock/clock';
import { JobHandlers, JobWorker } from '../queues/jobs';
import { CheckResponseDeadlineJob, LapseClaimJob, SmsJob, SmsQueue } from '../queues/queues';
import { SmsSettingsService } from '../settings/sms-settings.service';
import { ConversationClaims } from './conversation-claims.service';
import { ConversationWait } from './conversation-wait.entity';
import { CHECK_DEADLINES } from './conversations.queries';

/**
 * Runs the conversation timers when due: claims lapse, and agents' availability follows missed deadlines and lapses.
 */
@Processor(SmsQueue.Timers, { concurrency: 10 })
export class ConversationTimersProcessor extends JobWorker<SmsQueue.Timers> {
  protected readonly queueName = SmsQueue.Timers;
  protected readonly handlers: JobHandlers<SmsQueue.Timers> = {
    [SmsJob.LapseClaim]: (job) => this.lapse(job.data),
    [SmsJob.CheckResponseDeadline]: (job) => this.deadline(job.data),
  };

  constructor(
    private readonly claims: ConversationClaims,
    private readonly availability: AvailabilityService,
    private readonly settings: SmsSettingsService,
    @InjectRepository(ConversationWait) private readonly waits: Repository<ConversationWait>,
    private readonly clock: Clock,
  ) {
    super();
  }

  private async lapse({ accountId, conversationId, claimId }: LapseClaimJob): Promise<void> {
    const holder = await this.claims.lapse(accountId, conversationId, claimId);
    if (holder) await this.availability.evaluate(accountId, holder);
  }

  /** Marks the conversation's direct waits past the response time as checked, then evaluates their agents. */
  private async deadline({ accountId, conversationId }: CheckResponseDeadlineJob): Promise<void> {
    const { responseTimeMinutes } = await this.settings.get(accountId);
    const dueBefore = new Date(this.clock.now().getTime() - responseTimeMinutes * 60_000);
    const [rows] = (await this.waits.query(CHECK_DEADLINES, [accountId, conversationId, dueBefore])) as [
      { direct_user_id: string }[],
      number,
    ];
    for (const userId of new Set(rows.map((r) => r.direct_user_id)))
      await this.availability.evaluate(accountId, userId);
  }
}
