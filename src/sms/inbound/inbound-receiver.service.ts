import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Coalescer } from '../core/coalescer';
import { isDatabaseUnavailable } from '../core/database-unavailable.filter';
import { runPrepared } from '../core/prepared';
import { SmsMessage } from '../messages/sms-message.entity';
import { SmsMetrics } from '../metrics/sms-metrics.service';
import type { InboundText } from './inbound.dto';
import { InboundQueue, InboundRow, landsWithMedia, newBatchJobId } from './inbound-queue.service';
import { RECEIVE_BATCH } from './inbound.queries';

export type ReceiveOutcome =
  | { outcome: 'stored'; messageId: string; accountId: string }
  /** The provider delivered the same message again: nothing changes. */
  | { outcome: 'duplicate' }
  /** No account has proved the `to` number: kept in sms_unroutable_messages, nothing else happens. */
  | { outcome: 'unroutable' };

interface ReceivedRow {
  message_id: string | null;
  account_id: string | null;
  routable: boolean;
}

// PostgreSQL text and jsonb cannot hold U+0000, nor half of a surrogate pair (jsonb refuses one as invalid Unicode).
// A phone sends neither, but a webhook body may carry a NUL, a JSON webhook a lone \uD83D, and a field cut to its
// length limit half an emoji.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const clean = (value: string) => value.replaceAll('\u0000', '\uFFFD').replace(LONE_SURROGATE, '\uFFFD');

/** The text with every NUL and lone surrogate replaced by U+FFFD, so a stray one cannot turn a customer's text into a 500. */
function storable(text: InboundText): InboundText {
  return {
    ...text,
    providerMessageId: clean(text.providerMessageId),
    from: clean(text.from),
    to: clean(text.to),
    body: clean(text.body),
    media: text.media.map((m) => ({
      ...m,
      url: m.url === null ? null : clean(m.url),
      contentType: m.contentType === null ? null : clean(m.contentType),
    })),
  };
}

/** A cleaned text with the row id it is stored under. */
interface Pending {
  id: string;
  text: InboundText;
}

/** A text of a batch, with the job that lands it: its batch's for a plain text, none for an MMS (a flow of its own). */
interface Assigned extends Pending {
  jobId: string | null;
}

/** Each text's own answer: a batch answers every call, and one bad text fails only its own. */
type Settled = { ok: true; outcome: ReceiveOutcome } | { ok: false; error: unknown };

// Up to this many concurrent webhooks share one statement and one enqueue; two batches may run at once, so a batch
// fills while the previous one is in PostgreSQL or Redis.
const MAX_BATCH = 64;
const MAX_IN_FLIGHT = 2;

/**
 * Where every provider's inbound webhook hands its text: store it, enqueue it, answer. Nothing slower happens here.
 *
 * Concurrent texts are stored together (group commit): each statement and each Redis call costs about as much CPU
 * to send as to run, so under load the texts that arrive while a batch is under way go in the next one, as one
 * INSERT and one bulk enqueue. A lone text goes at once, as before.
 */
@Injectable()
export class InboundReceiver {
  private readonly logger = new Logger(InboundReceiver.name);
  private readonly batches = new Coalescer<Pending, Settled>((items) => this.receiveBatch(items), {
    maxBatch: MAX_BATCH,
    maxInFlight: MAX_IN_FLIGHT,
  });

  constructor(
    @InjectRepository(SmsMessage) private readonly messages: Repository<SmsMessage>,
    private readonly queue: InboundQueue,
    private readonly metrics: SmsMetrics,
  ) {}

  async receive(received: InboundText): Promise<ReceiveOutcome> {
    const text = storable(received);
    const settled = await this.batches.submit({ id: text.messageId ?? randomUUID(), text });
    if (!settled.ok) throw settled.error;
    return settled.outcome;
  }

  /** Stores a batch in one statement, then enqueues what was stored in one call; answers in the order given. */
  private async receiveBatch(pending: Pending[]): Promise<Settled[]> {
    const jobId = newBatchJobId();
    const items = pending.map((item): Assigned => ({
      ...item,
      jobId: landsWithMedia(item.text.body, item.text.media.length) ? null : jobId,
    }));
    const rows = await this.store(items);
    const stored: InboundRow[] = [];
    const settled = items.map((item, i): Settled => {
      const result = rows[i];
      if (result.status === 'rejected') return { ok: false, error: result.reason };
      const row = result.value;
      if (row.message_id && row.account_id) {
        stored.push({
          id: row.message_id,
          body: item.text.body,
          inboundMedia: item.text.media.length > 0 ? item.text.media : null,
          inboundJobId: item.jobId,
        });
        this.metrics.text('inbound', 'received', item.text.provider);
        return { ok: true, outcome: { outcome: 'stored', messageId: row.message_id, accountId: row.account_id } };
      }
      return { ok: true, outcome: row.routable ? { outcome: 'duplicate' } : { outcome: 'unroutable' } };
    });
    await this.queue.enqueueStored(stored);
    return settled;
  }

  /** One statement for the whole batch; should PostgreSQL refuse it, each text on its own. */
  private async store(items: Assigned[]): Promise<PromiseSettledResult<ReceivedRow>[]> {
    let rows: ReceivedRow[];
    try {
      rows = await runPrepared<ReceivedRow>(this.messages.manager, RECEIVE_BATCH, batchValues(items));
    } catch (e) {
      // PostgreSQL is away: trying each text again would only fail the same way, and later.
      if (isDatabaseUnavailable(e)) return items.map(() => ({ status: 'rejected', reason: e }));
      // The statement ran all or nothing, so nothing is stored: each text goes again on its own, and only a text the
      // database refuses fails its webhook.
      this.logger.warn({ err: e, count: items.length }, 'an inbound batch failed; storing its texts one by one');
      return Promise.allSettled(
        items.map(async (item) => {
          const [row] = perText(
            [item],
            await runPrepared<ReceivedRow>(this.messages.manager, RECEIVE_BATCH, batchValues([item])),
          );
          return row;
        }),
      );
    }
    return perText(items, rows).map((value) => ({ status: 'fulfilled', value }));
  }
}

function mediaJson(text: InboundText): string | null {
  return text.media.length > 0 ? JSON.stringify(text.media) : null;
}

/** RECEIVE_BATCH's parameters: one array per column, an element per text. */
function batchValues(items: Assigned[]): unknown[][] {
  return [
    items.map((p) => p.id),
    items.map((p) => p.text.providerMessageId),
    items.map((p) => p.text.to),
    items.map((p) => p.text.from),
    items.map((p) => p.text.body),
    items.map((p) => p.text.segments ?? 1),
    items.map((p) => p.text.provider),
    items.map((p) => mediaJson(p.text)),
    items.map((p) => p.text.media.length),
    items.map((p) => p.jobId),
  ];
}

/**
 * RECEIVE_BATCH answers a row per input ordinal, with the message id only where that text's own id was inserted.
 * Should a caller's fixed id come twice in a batch, both rows name it: only the first is the stored one.
 */
function perText(items: Pending[], rows: ReceivedRow[]): ReceivedRow[] {
  // Not expected: the statement's answer is `input` left-joined with what was inserted, in ordinal order.
  if (rows.length !== items.length) throw new Error(`an inbound batch of ${items.length} answered ${rows.length} rows`);
  const claimed = new Set<string>();
  return rows.map((row) => {
    if (row.message_id === null) return row;
    if (claimed.has(row.message_id)) return { message_id: null, account_id: null, routable: row.routable };
    claimed.add(row.message_id);
    return row;
  });
}
