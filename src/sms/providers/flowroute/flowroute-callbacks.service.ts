import { BadRequestException, Injectable, Logger, UnprocessableEntityException } from '@nestjs/common';
import type { ReceiveOutcome } from '../../inbound/inbound-receiver.service';
import { InboundReceiver } from '../../inbound/inbound-receiver.service';
import { MAX_INBOUND_MEDIA } from '../../inbound/inbound.dto';
import { SmsNumbersService } from '../../numbers/sms-numbers.service';
import { fromFlowrouteReceipt, parseFlowrouteInbound, parseFlowrouteReceipt } from './flowroute-wire';
import { analyzeSms } from '../../segments/segments';
import { StatusCallbacks } from '../../webhooks/status-callbacks.service';

export type ReceiptOutcome = 'applied' | 'stale' | 'unknown' | 'ignored';

/** Flowroute's callbacks for one account (already identified by its path token): delivery receipts and inbound texts. */
@Injectable()
export class FlowrouteCallbacks {
  private readonly logger = new Logger(FlowrouteCallbacks.name);

  constructor(
    private readonly statusCallbacks: StatusCallbacks,
    private readonly receiver: InboundReceiver,
    private readonly numbers: SmsNumbersService,
  ) {}

  /** A delivery receipt moves the message forward only; a status we cannot place is ignored, never guessed. */
  async receipt(accountId: string, body: unknown, messageId: string | undefined): Promise<ReceiptOutcome> {
    const parsed = parseFlowrouteReceipt(body);
    if (!parsed.ok) throw new BadRequestException(parsed.reason);
    const receipt = parsed.value;
    const status = fromFlowrouteReceipt(receipt);
    if (!status) {
      this.logger.warn(
        { accountId, recordId: receipt.providerMessageId, level: receipt.level, status: receipt.status },
        'Flowroute delivery receipt with a status we do not map; ignored',
      );
      return 'ignored';
    }
    const failed = status === 'failed' || status === 'undelivered';
    return this.statusCallbacks.apply({
      provider: 'flowroute',
      providerMessageId: receipt.providerMessageId,
      messageId,
      accountId,
      status,
      errorCode: failed ? (receipt.statusCode ?? receipt.status) : null,
    });
  }

  /**
   * An inbound SMS or MMS goes through the same receiver as Twilio's (stored keyed by the record id, enqueued,
   * matched and its media fetched by the same jobs). The `to` number must not be another account's.
   */
  async inbound(accountId: string, body: unknown): Promise<ReceiveOutcome> {
    const parsed = parseFlowrouteInbound(body);
    if (!parsed.ok) throw new BadRequestException(parsed.reason);
    const text = parsed.value;
    if (text.media.length > MAX_INBOUND_MEDIA)
      throw new BadRequestException(`An MMS carries at most ${MAX_INBOUND_MEDIA} media items`);
    const owner = await this.numbers.findByNumber(text.to);
    // A number no account has yet is kept aside by the receiver (nothing is dropped); another account's is refused.
    if (owner && owner.accountId !== accountId)
      throw new UnprocessableEntityException("The 'to' number is not one of this account's SMS numbers");
    return this.receiver.receive({
      provider: 'flowroute',
      providerMessageId: text.providerMessageId,
      from: text.from,
      to: text.to,
      body: text.body,
      // Flowroute does not say how many segments a text took; counted the way outbound texts are, for usage reports.
      segments: text.body ? analyzeSms(text.body, { smartEncoding: false }).segments : 1,
      media: text.media.map((m) => ({ url: m.url, contentType: m.contentType })),
    });
  }
}
