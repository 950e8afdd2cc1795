import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { OutboundStatus, statusesBelow } from '../messages/message-status';
import { SmsMessage } from '../messages/sms-message.entity';

export interface StatusCallback {
  provider: string;
  providerMessageId: string;
  /** Our row id when the callback URL carried it. */
  messageId?: string;
  /** The account the callback is known to be for (Flowroute's path token); the row must be its. */
  accountId?: string;
  status: OutboundStatus;
  errorCode?: string | null;
}

/** Applies provider status callbacks, forward only: they arrive out of order, and a late `sent` must not undo `delivered`. */
@Injectable()
export class StatusCallbacks {
  private readonly logger = new Logger(StatusCallbacks.name);

  constructor(@InjectRepository(SmsMessage) private readonly messages: Repository<SmsMessage>) {}

  async apply(callback: StatusCallback): Promise<'applied' | 'stale' | 'unknown'> {
    const scope = { direction: 'outbound' as const, ...(callback.accountId ? { accountId: callback.accountId } : {}) };
    const where = callback.messageId
      ? { id: callback.messageId, ...scope }
      : { provider: callback.provider, providerMessageId: callback.providerMessageId, ...scope };
    const row = await this.messages.findOne({ where, select: { id: true, providerMessageId: true } });
    if (!row || (row.providerMessageId && row.providerMessageId !== callback.providerMessageId)) {
      this.logger.warn(
        { provider: callback.provider, sid: callback.providerMessageId },
        'status callback for no known message',
      );
      return 'unknown';
    }
    const changes: Partial<SmsMessage> = { status: callback.status, providerMessageId: callback.providerMessageId };
    if (callback.errorCode) changes.errorCode = callback.errorCode;
    const result = await this.messages.update({ id: row.id, status: In(statusesBelow(callback.status)) }, changes);
    return result.affected === 1 ? 'applied' : 'stale';
  }
}
