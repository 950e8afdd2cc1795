import { randomUUID } from 'node:crypto';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Observable, Subject, takeUntil } from 'rxjs';
import {
  DataSource,
  EntityManager,
  EntitySubscriberInterface,
  TransactionCommitEvent,
  TransactionRollbackEvent,
} from 'typeorm';
import { SmsQueue } from '../queues/queues';

export type SmsEventType =
  | 'message.received'
  | 'conversation.replied'
  | 'conversation.claimed'
  | 'conversation.released'
  | 'conversation.transferred'
  | 'conversation.routed'
  | 'availability.changed';

/**
 * Who is told: admins of the account always; besides them the listed users, the members of the listed teams, and
 * with `allMembers` every user of the account. Worked out when the event happens, from the conversation's number
 * and claim, so each api process filters its connections without asking the database.
 */
export interface SmsEventAudience {
  accountId: string;
  userIds: string[];
  teamIds: string[];
  allMembers: boolean;
}

export interface SmsEvent {
  id: string;
  type: SmsEventType;
  at: string;
  audience: SmsEventAudience;
  data: Record<string, unknown>;
}

const PENDING = 'smsEvents';
const ON_COMMIT = 'smsOnCommit';

/**
 * Runs `work` once `tx` commits (outside a transaction, at once); dropped on rollback. For jobs about rows the
 * transaction writes: rows before jobs. `work` handles its own errors (the sweep rebuilds what it could not add).
 */
export function onCommit(tx: EntityManager, work: () => Promise<unknown>): void {
  const runner = tx.queryRunner;
  if (!runner?.isTransactionActive) {
    void work();
    return;
  }
  const data = runner.data as Record<string, (() => Promise<unknown>)[] | undefined>;
  (data[ON_COMMIT] ??= []).push(work);
}

/**
 * The pub/sub slice of ioredis. BullMQ 6 types its connection as its own adapter interface, which has no pub/sub;
 * the default (ioredis) adapter forwards every other command to ioredis, so publish/subscribe reach it unchanged.
 */
interface PubSubClient {
  publish(channel: string, message: string): Promise<number>;
  subscribe(channel: string): Promise<unknown>;
  duplicate(): PubSubClient;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  quit(): Promise<unknown>;
}

/**
 * Live events (new inbound texts, replies, claims, releases, transfers) through a Redis pub/sub channel, so an
 * event raised by a worker or another api process reaches every process holding SSE connections. Events raised
 * inside a transaction go out only once it commits (a TypeORM transaction subscriber), never for rolled-back work.
 * Delivery is best effort, as SSE is: a client that reconnects reads the conversations again.
 */
@Injectable()
export class SmsEvents implements OnModuleDestroy {
  private readonly logger = new Logger(SmsEvents.name);
  private readonly events = new Subject<SmsEvent>();
  private readonly closing = new Subject<void>();
  private subscriber: PubSubClient | null = null;
  private subscribing: Promise<void> | null = null;
  private readonly channel: string;

  constructor(
    @InjectQueue(SmsQueue.Maintenance) private readonly queue: Queue,
    dataSource: DataSource,
  ) {
    this.channel = `${queue.opts.prefix ?? 'bull'}:sms-events`;
    dataSource.subscribers.push(new PublishAfterCommit(this));
  }

  static event(type: SmsEventType, audience: SmsEventAudience, data: Record<string, unknown>, at: Date): SmsEvent {
    return { id: randomUUID(), type, at: at.toISOString(), audience, data };
  }

  /** Publishes once `tx` commits; outside a transaction, at once. */
  afterCommit(tx: EntityManager, event: SmsEvent): void {
    const runner = tx.queryRunner;
    if (!runner?.isTransactionActive) {
      void this.publish(event);
      return;
    }
    const data = runner.data as Record<string, SmsEvent[] | undefined>;
    (data[PENDING] ??= []).push(event);
  }

  /** Several events (a transaction's) go as one message: a JSON array, where one event alone is the object itself. */
  async publish(...events: SmsEvent[]): Promise<void> {
    if (events.length === 0) return;
    try {
      await (await this.client()).publish(this.channel, JSON.stringify(events.length === 1 ? events[0] : events));
    } catch (e) {
      this.logger.warn(
        { types: [...new Set(events.map((event) => event.type))], count: events.length, error: (e as Error).message },
        'could not publish live events',
      );
    }
  }

  /** Every event of every account from now on; callers filter by audience. Subscribes this process on first use. */
  async stream(): Promise<Observable<SmsEvent>> {
    this.subscribing ??= this.subscribe();
    await this.subscribing;
    return this.events.asObservable();
  }

  /**
   * `stream` (an SSE response's, heartbeats and all) until the process shuts down: open event streams end at SIGTERM,
   * so the HTTP server closes at once instead of waiting for clients to leave.
   */
  untilShutdown<T>(stream: Observable<T>): Observable<T> {
    return stream.pipe(takeUntil(this.closing));
  }

  async onModuleDestroy(): Promise<void> {
    // Ends open SSE responses, so the HTTP server can close.
    this.closing.next();
    this.closing.complete();
    this.events.complete();
    if (this.subscriber) await this.subscriber.quit().catch(() => undefined);
  }

  private async subscribe(): Promise<void> {
    // A connection in subscriber mode can do nothing else: a copy of the queue's, with the same options.
    const subscriber = (await this.client()).duplicate();
    subscriber.on('message', (_channel: string, message: string) => {
      try {
        const parsed = JSON.parse(message) as SmsEvent | SmsEvent[];
        for (const event of Array.isArray(parsed) ? parsed : [parsed]) this.events.next(event);
      } catch {
        this.logger.warn('ignored a live event that is not JSON');
      }
    });
    subscriber.on('error', (e: Error) => this.logger.warn({ error: e.message }, 'live events connection error'));
    await subscriber.subscribe(this.channel);
    this.subscriber = subscriber;
  }

  private async client(): Promise<PubSubClient> {
    return (await this.queue.getBackend().client) as unknown as PubSubClient;
  }

  /** Called by the transaction subscriber. */
  flush(data: Record<string, unknown>, commit: boolean): void {
    const work = data[ON_COMMIT] as (() => Promise<unknown>)[] | undefined;
    delete data[ON_COMMIT];
    if (commit) for (const w of work ?? []) void w();
    const pending = data[PENDING] as SmsEvent[] | undefined;
    if (!pending) return;
    delete data[PENDING];
    if (commit) void this.publish(...pending);
  }
}

/** Releases the events a transaction queued once it has committed (at the outermost level), drops them on rollback. */
class PublishAfterCommit implements EntitySubscriberInterface {
  constructor(private readonly events: SmsEvents) {}

  afterTransactionCommit(event: TransactionCommitEvent): void {
    if (event.queryRunner.isTransactionActive) return;
    this.events.flush(event.queryRunner.data as Record<string, unknown>, true);
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    if (event.queryRunner.isTransactionActive) return;
    this.events.flush(event.queryRunner.data as Record<string, unknown>, false);
  }
}
