import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { PreparedStatement, runPrepared } from '../../common/prepared';
import { SmsMessage } from '../messages/sms-message.entity';
import type { InboundText } from './inbound.dto';
import { InboundQueue } from './inbound-queue.service';

export type ReceiveOutcome =
  | { outcome: 'stored'; messageId: string; accountId: string }
  /** The provider delivered the same message again: nothing changes. */
  | { outcome: 'duplicate' }
  /** No account owns the `to` number: kept in sms_unroutable_messages, nothing else happens. */
  | { outcome: 'unroutable' };

// One statement, one round trip: route by the To number, store the row keyed by provider + message id
// (a repeat is a no-op), or keep the text aside when no account owns the number.
const RECEIVE: PreparedStatement = {
  name: 'sms-inbound-receive',
  text: `
  WITH number AS (
    SELECT account_id FROM sms_numbers WHERE number = $3
  ), message AS (
    INSERT INTO sms_messages (id, account_id, direction, kind, send_id, to_number, from_number, body, segments, status, provider, provider_message_id, inbound_media)
    SELECT $1, number.account_id, 'inbound', 'reply', $1, $3, $4, $5, $6, 'received', $7, $2, $8::jsonb FROM number
    ON CONFLICT DO NOTHING
    RETURNING id, account_id
  ), unroutable AS (
    INSERT INTO sms_unroutable_messages (provider, provider_message_id, to_number, from_number, body, num_media)
    SELECT $7, $2, $3, $4, $5, $9 WHERE NOT EXISTS (SELECT 1 FROM number)
    ON CONFLICT DO NOTHING
    RETURNING id
  )
  SELECT (SELECT id FROM message) AS message_id, (SELECT account_id FROM message) AS account_id, EXISTS (SELECT 1 FROM number) AS routable`,
};

// PostgreSQL text and jsonb cannot hold U+0000; a phone never sends it, but a webhook body may carry one.
const clean = (value: string) => value.replaceAll('\u0000', '\uFFFD');

/** The text with every NUL replaced by U+FFFD, so a stray one cannot turn a customer's text into a 500. */
function withoutNul(text: InboundText): InboundText {
  return {
    ...text,
    providerMessageId: clean(text.providerMessageId),
    from: clean(text.from),
    to: clean(text.to),
    body: clean(text.body),
    media: text.media.map((m) => ({ ...m, url: m.url === null ? null : clean(m.url), contentType: m.contentType === null ? null : clean(m.contentType) })),
  };
}

/** Where every provider's inbound webhook hands its text: store it, enqueue it, answer. Nothing slower happens here. */
@Injectable()
export class InboundReceiver {
  constructor(
    @InjectRepository(SmsMessage) private readonly messages: Repository<SmsMessage>,
    private readonly queue: InboundQueue,
  ) {}

  async receive(received: InboundText): Promise<ReceiveOutcome> {
    const text = withoutNul(received);
    const id = text.messageId ?? randomUUID();
    const media = text.media.length > 0 ? JSON.stringify(text.media) : null;
    const [row] = await runPrepared<{ message_id: string | null; account_id: string | null; routable: boolean }>(this.messages.manager, RECEIVE, [
      id,
      text.providerMessageId,
      text.to,
      text.from,
      text.body,
      text.segments ?? 1,
      text.provider,
      media,
      text.media.length,
    ]);
    if (row.message_id && row.account_id) {
      await this.queue.enqueue({ id: row.message_id, body: text.body, inboundMedia: text.media.length > 0 ? text.media : null });
      return { outcome: 'stored', messageId: row.message_id, accountId: row.account_id };
    }
    return row.routable ? { outcome: 'duplicate' } : { outcome: 'unroutable' };
  }
}
