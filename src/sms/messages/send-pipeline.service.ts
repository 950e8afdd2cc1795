import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { UnrecoverableError } from 'bullmq';
import { In, Repository } from 'typeorm';
import { Clock } from '../clock/clock';
import { OutboundSms, SendAccepted, SendAmbiguousError, SendRefusedError, SendRetryableError, SMS_PROVIDER, SmsProvider } from '../providers/sms-provider';
import { SMS_MODULE_OPTIONS, SmsModuleOptions } from '../sms.options';
import { OutboundStatus, statusesBelow } from './message-status';
import { SmsMessage } from './sms-message.entity';

export type SendOutcome = 'sent' | 'already-done' | 'refused' | 'reconciled';

/**
 * Hands one message row to the provider, at most once. The row moves `pending → submitting` atomically
 * before the provider call, so two workers never both send it, and a row found in `submitting` (a crash
 * or an ambiguous failure mid-call) is looked up at the provider before anything is sent again.
 */
@Injectable()
export class SendPipeline {
  private readonly logger = new Logger(SendPipeline.name);

  constructor(
    @InjectRepository(SmsMessage) private readonly messages: Repository<SmsMessage>,
    @Inject(SMS_PROVIDER) private readonly provider: SmsProvider,
    @Inject(SMS_MODULE_OPTIONS) private readonly options: SmsModuleOptions,
    private readonly clock: Clock,
  ) {}

  async send(messageId: string): Promise<SendOutcome> {
    const row = await this.messages.findOne({ where: { id: messageId } });
    if (!row || row.direction !== 'outbound') return 'already-done';

    if (row.status === 'submitting') return this.resume(row);
    if (row.status !== 'pending') return 'already-done';

    const claimed = await this.messages
      .createQueryBuilder()
      .update(SmsMessage)
      .set({ status: 'submitting', submittedAt: this.clock.now(), attempts: () => 'attempts + 1', provider: this.provider.name })
      .where('id = :id AND status = :status', { id: row.id, status: 'pending' })
      .execute();
    if (claimed.affected !== 1) return 'already-done';
    return this.handOver(row);
  }

  /** The last attempt stopped mid-call: send only if the provider has no trace of the message. */
  private async resume(row: SmsMessage): Promise<SendOutcome> {
    const since = row.submittedAt ?? row.createdAt;
    const found = await this.provider.findSent(this.outbound(row), since);
    if (found) {
      await this.accepted(row, found);
      return 'reconciled';
    }
    await this.messages.update({ id: row.id, status: 'submitting' }, { attempts: () => 'attempts + 1', submittedAt: this.clock.now() });
    return this.handOver(row);
  }

  private async handOver(row: SmsMessage): Promise<SendOutcome> {
    try {
      const accepted = await this.provider.send(this.outbound(row));
      await this.accepted(row, accepted);
      return 'sent';
    } catch (e) {
      if (e instanceof SendRefusedError) {
        const status: OutboundStatus = e.optedOut ? 'opted_out' : 'failed';
        await this.messages.update({ id: row.id }, { status, errorCode: e.code, errorMessage: e.message });
        this.logger.warn({ messageId: row.id, code: e.code }, `provider refused the SMS: ${e.message}`);
        return 'refused';
      }
      if (e instanceof SendRetryableError) {
        // Nothing went out: the row waits again and the job retries with backoff.
        await this.messages.update({ id: row.id, status: 'submitting' }, { status: 'pending', errorCode: e.code, errorMessage: e.message });
        throw e;
      }
      const ambiguous = e instanceof SendAmbiguousError ? e : new SendAmbiguousError((e as Error).message, null);
      // The row stays `submitting`; the retry looks the message up before sending again.
      await this.messages.update({ id: row.id }, { errorCode: ambiguous.code, errorMessage: ambiguous.message });
      throw ambiguous;
    }
  }

  private async accepted(row: SmsMessage, accepted: SendAccepted): Promise<void> {
    await this.messages.update(
      { id: row.id },
      {
        providerMessageId: accepted.providerMessageId,
        provider: this.provider.name,
        segments: accepted.segments ?? row.segments,
        errorCode: null,
        errorMessage: null,
      },
    );
    // A status callback may already have moved the row further; never move it back.
    await this.messages.update({ id: row.id, status: In(statusesBelow(accepted.status)) }, { status: accepted.status });
  }

  /** After the last retry: the row is failed for good, with the last reason kept. */
  async giveUp(messageId: string, reason: string): Promise<void> {
    await this.messages.update({ id: messageId, status: In(['pending', 'submitting']) }, { status: 'failed', errorMessage: reason });
  }

  private outbound(row: SmsMessage): OutboundSms {
    return {
      messageId: row.id,
      accountId: row.accountId,
      to: row.toNumber!,
      from: row.fromNumber!,
      body: row.body,
      statusCallbackUrl: `${this.options.publicUrl}/webhooks/twilio/status?m=${row.id}`,
    };
  }
}

export { UnrecoverableError };
