import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import {
  DataSource,
  EntityManager,
  EntitySubscriberInterface,
  TransactionCommitEvent,
  TransactionRollbackEvent,
} from 'typeorm';
import { SmsQueue } from '../queues/queues';

/** What became of a text, as the metrics count it. */
export type TextOutcome = 'received' | 'sent' | 'failed' | 'opted_out' | 'held_no_credit';
/** How a provider call ended: accepted, refused for good, safe to retry, or unknown (looked up before any retry). */
export type SendCallOutcome = 'accepted' | 'refused' | 'retryable' | 'ambiguous';
export type CreditGrant = 'monthly_grant' | 'purchase' | 'grant' | 'refund';

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'failed'] as const;
const PENDING = 'smsMetricsPending';

/**
 * The module's Prometheus metrics, in a registry of its own (`registry`) that the host serves or merges into its own.
 * Counters and histograms are per process, as Prometheus expects (scrape every process); queue depth, queue lag and
 * held texts are read from Redis and PostgreSQL at scrape time, so every process reports the same, shared values.
 * Counts taken inside a transaction are kept only once it commits.
 */
@Injectable()
export class SmsMetrics {
  readonly registry = new Registry();
  private readonly queues: Queue[];
  private reading: Promise<void> | null = null;

  private readonly texts = new Counter({
    name: 'ticket_sms_texts_total',
    help: 'Texts by direction, outcome (received; sent, failed, opted_out, held_no_credit) and provider',
    labelNames: ['direction', 'outcome', 'provider'] as const,
    registers: [this.registry],
  });
  private readonly sendSeconds = new Histogram({
    name: 'ticket_sms_send_duration_seconds',
    help: 'Time of one provider call that hands over a text, by provider and how it ended',
    labelNames: ['provider', 'outcome'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
    registers: [this.registry],
  });
  private readonly webhookSeconds = new Histogram({
    name: 'ticket_sms_webhook_duration_seconds',
    help: 'Time to answer a provider webhook (after its signature or token check), by provider, kind and status class',
    labelNames: ['provider', 'kind', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  private readonly creditsGranted = new Counter({
    name: 'ticket_sms_credits_granted_total',
    help: 'Credits added to accounts, by kind (monthly_grant, purchase, refund)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  private readonly creditsSpent = new Counter({
    name: 'ticket_sms_credits_spent_total',
    help: 'Credits debited for texts handed to the platform provider',
    registers: [this.registry],
  });
  private readonly queueJobs = new Gauge({
    name: 'ticket_sms_queue_jobs',
    help: 'Jobs in each queue by state (shared: every process reports the same)',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
  });
  private readonly queueLag = new Gauge({
    name: 'ticket_sms_queue_lag_seconds',
    help: 'How long the oldest waiting job of each queue has been ready to run, 0 when none waits',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });
  private readonly heldTexts = new Gauge({
    name: 'ticket_sms_held_texts',
    help: 'Texts waiting for credits (held_no_credit), all accounts',
    registers: [this.registry],
  });

  constructor(
    @InjectQueue(SmsQueue.Outbound) outbound: Queue,
    @InjectQueue(SmsQueue.Inbound) inbound: Queue,
    @InjectQueue(SmsQueue.InboundMedia) inboundMedia: Queue,
    @InjectQueue(SmsQueue.Maintenance) maintenance: Queue,
    @InjectQueue(SmsQueue.Timers) timers: Queue,
    private readonly dataSource: DataSource,
  ) {
    this.queues = [outbound, inbound, inboundMedia, maintenance, timers];
    dataSource.subscribers.push(new CountAfterCommit());
  }

  /** The whole registry in Prometheus' text format, with the shared gauges read first. */
  async metrics(): Promise<string> {
    await this.readShared();
    return this.registry.metrics();
  }

  text(direction: 'inbound' | 'outbound', outcome: TextOutcome, provider: string, count = 1): void {
    if (count > 0) this.texts.inc({ direction, outcome, provider }, count);
  }

  /** Starts timing a provider call; the function returned records it with how it ended. */
  sendStarted(provider: string): (outcome: SendCallOutcome) => void {
    const end = this.sendSeconds.startTimer({ provider });
    return (outcome) => end({ outcome });
  }

  webhookAnswered(provider: string, kind: string, statusCode: number, seconds: number): void {
    this.webhookSeconds.observe({ provider, kind, status: `${Math.floor(statusCode / 100)}xx` }, seconds);
  }

  creditsAdded(tx: EntityManager, kind: CreditGrant, amount: number): void {
    if (amount > 0) afterCommit(tx, () => this.creditsGranted.inc({ kind }, amount));
  }

  creditsDebited(tx: EntityManager, amount: number): void {
    if (amount > 0) afterCommit(tx, () => this.creditsSpent.inc(amount));
  }

  /** A scrape costs a few Redis calls per queue and one indexed count: scrapes that come together share one reading. */
  private readShared(): Promise<void> {
    this.reading ??= this.read(Date.now()).finally(() => (this.reading = null));
    return this.reading;
  }

  private async read(now: number): Promise<void> {
    await Promise.all([
      ...this.queues.map(async (queue) => {
        const counts = await queue.getJobCounts(...QUEUE_STATES);
        for (const state of QUEUE_STATES) this.queueJobs.set({ queue: queue.name, state }, counts[state] ?? 0);
        const [oldest] = await queue.getJobs(['wait'], 0, 0, true);
        const readySince = oldest ? oldest.timestamp + (oldest.delay ?? 0) : now;
        this.queueLag.set({ queue: queue.name }, Math.max(0, now - readySince) / 1000);
      }),
      // The partial index on held texts answers this without reading the table.
      this.dataSource
        .query(`SELECT count(*)::int AS n FROM sms_messages WHERE status = 'held_no_credit'`)
        .then((rows: { n: number }[]) => this.heldTexts.set(rows[0].n)),
    ]);
  }
}

/** Runs `count` once `tx` commits (at once outside a transaction); a rollback drops it. */
function afterCommit(tx: EntityManager, count: () => void): void {
  const runner = tx.queryRunner;
  if (!runner?.isTransactionActive) return count();
  const data = runner.data as Record<string, (() => void)[] | undefined>;
  (data[PENDING] ??= []).push(count);
}

class CountAfterCommit implements EntitySubscriberInterface {
  afterTransactionCommit(event: TransactionCommitEvent): void {
    if (!event.queryRunner.isTransactionActive)
      take(event.queryRunner.data as Record<string, unknown>).forEach((count) => count());
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    if (!event.queryRunner.isTransactionActive) take(event.queryRunner.data as Record<string, unknown>);
  }
}

function take(data: Record<string, unknown>): (() => void)[] {
  const pending = (data[PENDING] as (() => void)[] | undefined) ?? [];
  delete data[PENDING];
  return pending;
}
