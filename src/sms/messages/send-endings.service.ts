import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, MoreThan, Repository } from 'typeorm';
import { CreditGate } from '../credits/credit-gate.service';
import { SmsMetrics } from '../metrics/sms-metrics.service';
import { SmsNumber } from '../numbers/sms-number.entity';
import { notVerified } from '../numbers/sms-numbers.service';
import { OutboundStatus, WAITING_STATUSES } from './message-status';
import { SmsMessage } from './sms-message.entity';

/**
 * How a text ends without being sent (opted out, an unverified sender, a refusal, the last retry): the row and the
 * parts of a split text after it end together, and what was never handed over is refunded.
 */
@Injectable()
export class SendEndings {
  constructor(
    @InjectRepository(SmsMessage) private readonly messages: Repository<SmsMessage>,
    private readonly credits: CreditGate,
    private readonly metrics: SmsMetrics,
  ) {}

  /**
   * A part ended unsent: it (with `ending`, when given) and the parts after it end with `status`, and what was never
   * handed over is refunded, in one transaction.
   */
  async endRest(
    row: SmsMessage,
    status: OutboundStatus,
    reason: string,
    refundThisPart: boolean,
    ending?: Partial<SmsMessage>,
  ): Promise<void> {
    const later =
      row.partIndex < row.partCount
        ? await this.messages.find({
            select: { id: true },
            where: {
              accountId: row.accountId,
              sendId: row.sendId,
              partIndex: MoreThan(row.partIndex),
              status: In(WAITING_STATUSES),
            },
          })
        : [];
    const laterIds = later.map((l) => l.id);
    await this.credits.refund(row.accountId, refundThisPart ? [row.id, ...laterIds] : laterIds, async (tx) => {
      if (ending) await tx.getRepository(SmsMessage).update({ id: row.id }, { ...ending, status });
      if (laterIds.length === 0) return;
      await tx
        .getRepository(SmsMessage)
        .update(
          { id: In(laterIds), status: In(WAITING_STATUSES) },
          { status, errorMessage: `Part ${row.partIndex} of ${row.partCount} was not sent: ${reason}` },
        );
    });
  }

  /** The customer texted STOP (`optedOut`, read with the row): the row ends `opted_out` before any provider call or credit. */
  async optedOut(row: SmsMessage, optedOut: boolean): Promise<boolean> {
    if (!row.toNumber || !optedOut) return false;
    const reason = 'The customer opted out of texts (STOP); nothing goes to this number until they text START';
    await this.messages.update({ id: row.id, status: 'pending' }, { status: 'opted_out', errorMessage: reason });
    this.metrics.text('outbound', 'opted_out', row.provider ?? 'unknown');
    return true;
  }

  /** Only verified numbers send: a row from a number that is not (or no longer) a verified number of the account ends `failed`, unsent and uncharged. */
  async unverifiedSender(row: SmsMessage, number: SmsNumber | null): Promise<boolean> {
    if (number?.verifiedAt) return false;
    const reason = number
      ? notVerified(number)
      : `${row.fromNumber ?? 'The sender'} is no longer one of the account's SMS numbers`;
    // It and the parts after it end unsent; whatever a split text already paid is refunded.
    await this.endRest(row, 'failed', reason, true, { errorMessage: reason });
    this.metrics.text('outbound', 'failed', row.provider ?? 'unknown');
    return true;
  }

  /** After the last retry: the row is failed for good, with the last reason kept. */
  async giveUp(messageId: string, reason: string): Promise<void> {
    const row = await this.messages.findOne({ where: { id: messageId } });
    const gaveUp = await this.messages.update(
      { id: messageId, status: In(['pending', 'submitting']) },
      { status: 'failed', errorMessage: reason },
    );
    // Still `pending` means the provider never took it (429s, refused connections): refunded. `submitting` may have gone out.
    if (row && gaveUp.affected === 1) {
      await this.endRest(row, 'failed', reason, row.status === 'pending');
      this.metrics.text('outbound', 'failed', row.provider ?? 'unknown');
    }
  }
}
