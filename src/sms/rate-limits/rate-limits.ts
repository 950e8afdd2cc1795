import { randomUUID } from 'node:crypto';
import { InjectQueue } from '@nestjs/bullmq';
import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Observable } from 'rxjs';
import { SmsQueue } from '../queues/queues';

// One fixed window per key: the count goes up and the window starts in one step, so concurrent requests of
// every api process are counted exactly (no read-then-write). Returns {count after this hit, ms left in the window}.
const HIT = `
local count = redis.call('INCRBY', KEYS[1], tonumber(ARGV[2]))
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;
// Holds a slot among at most ARGV[2] open ones (a sorted set of slot ids scored by expiry, on Redis's clock, so a
// process that dies without closing frees its slots when they expire). Returns 1 when held, else 0.
const HOLD = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) == false and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;
// Starts a spacing of ARGV[1] ms unless one runs: 0 when the caller may go now, else the ms until it may.
const SPACE = `
if redis.call('SET', KEYS[1], '1', 'PX', ARGV[1], 'NX') then return 0 end
return redis.call('PTTL', KEYS[1])
`;
const PEEK = `return {tonumber(redis.call('GET', KEYS[1]) or '0'), redis.call('PTTL', KEYS[1])}`;
const RELEASE = `return redis.call('ZREM', KEYS[1], ARGV[1])`;
const HIT_COMMAND = 'rateLimitHit';
const PEEK_COMMAND = 'rateLimitPeek';
const RELEASE_COMMAND = 'rateLimitRelease';
const HOLD_COMMAND = 'rateLimitHold';
const SPACE_COMMAND = 'rateLimitSpace';

/** Live event streams one user may hold open at once, over every api process. */
export const STREAMS_PER_USER = 5;
// A stream's slot is renewed this often and lapses after the TTL: a process that dies frees its slots within it.
const STREAM_SLOT_RENEW_MS = 20_000;
const STREAM_SLOT_TTL_MS = 60_000;

export interface WindowCount {
  /** Hits in the current window, this one included. */
  count: number;
  /** Milliseconds until the window ends and the count starts again from zero. */
  resetMs: number;
}

/** 429 with a Retry-After header (whole seconds) and a reason a person can act on. */
export class TooManyRequestsException extends HttpException {
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(
      { statusCode: 429, error: 'Too Many Requests', message, retryAfterSeconds: retryAfterSeconds(retryAfterMs) },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

/** 503 with a Retry-After header: the work is bounded and the bound is full for now. */
export class BusyException extends HttpException {
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(
      { statusCode: 503, error: 'Service Unavailable', message, retryAfterSeconds: retryAfterSeconds(retryAfterMs) },
      HttpStatus.SERVICE_UNAVAILABLE,
    );
  }
}

export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/** The Retry-After header (seconds) a refusal asks for, or null. */
export function retryAfterHeader(error: unknown): string | null {
  return error instanceof TooManyRequestsException || error instanceof BusyException
    ? String(retryAfterSeconds(error.retryAfterMs))
    : null;
}

/**
 * Counters, spacings and slot sets in Redis, shared by every api process: sign-in attempts, token failures, live
 * streams per user, provider lookups per account. Keys live under the queue prefix, so one Redis serves several
 * deployments and a test's keys go with its prefix.
 */
@Injectable()
export class RateLimits {
  private defined = false;

  constructor(@InjectQueue(SmsQueue.Maintenance) private readonly queue: Queue) {}

  /** Counts `by` hits of `key` in a window of `windowMs` that starts with the first hit. */
  async hit(key: string, windowMs: number, by = 1): Promise<WindowCount> {
    const [count, resetMs] = (await (
      await this.client()
    ).runCommand(HIT_COMMAND, [this.key(key), Math.ceil(windowMs), by])) as [number, number];
    return { count: Number(count), resetMs: Number(resetMs) };
  }

  /** The current window's count of `key` without adding to it. */
  async peek(key: string): Promise<WindowCount> {
    const [count, ttl] = (await (await this.client()).runCommand(PEEK_COMMAND, [this.key(key)])) as [number, number];
    return { count: Number(count), resetMs: Math.max(0, Number(ttl)) };
  }

  async reset(...keys: string[]): Promise<void> {
    if (keys.length) await (await this.client()).del(...keys.map((k) => this.key(k)));
  }

  /** 0 when nothing holds `key`'s spacing (and one of `ms` starts now); else the ms until the running one ends. */
  async space(key: string, ms: number): Promise<number> {
    return Number(await (await this.client()).runCommand(SPACE_COMMAND, [this.key(key), Math.ceil(ms)]));
  }

  /** Holds slot `id` of `key` for `ttlMs` (again: extends it) if fewer than `limit` are held; false otherwise. */
  async hold(key: string, id: string, limit: number, ttlMs: number): Promise<boolean> {
    return (
      Number(await (await this.client()).runCommand(HOLD_COMMAND, [this.key(key), id, limit, Math.ceil(ttlMs)])) === 1
    );
  }

  async release(key: string, id: string): Promise<void> {
    await (await this.client()).runCommand(RELEASE_COMMAND, [this.key(key), id]);
  }

  /** Remembers `key` for `ttlMs` (e.g. a browser that signed in before). */
  async mark(key: string, ttlMs: number): Promise<void> {
    await (await this.client()).set(this.key(key), '1', { PX: Math.ceil(ttlMs) });
  }

  async marked(key: string): Promise<boolean> {
    return (await (await this.client()).get(this.key(key))) !== null;
  }

  /** `stream`, holding one of the user's live-stream slots while subscribed; 429 when every slot is taken. */
  async userStream<T>(userId: string, stream: Observable<T>): Promise<Observable<T>> {
    const key = `streams:${userId}`;
    const id = randomUUID();
    if (!(await this.hold(key, id, STREAMS_PER_USER, STREAM_SLOT_TTL_MS))) {
      throw new TooManyRequestsException(
        `At most ${STREAMS_PER_USER} live streams per user are open at once; close one (another tab or window) first`,
        10_000,
      );
    }
    return new Observable<T>((subscriber) => {
      const renew = setInterval(
        () => void this.hold(key, id, STREAMS_PER_USER, STREAM_SLOT_TTL_MS).catch(() => false),
        STREAM_SLOT_RENEW_MS,
      );
      const subscription = stream.subscribe(subscriber);
      return () => {
        clearInterval(renew);
        subscription.unsubscribe();
        void this.release(key, id).catch(() => undefined);
      };
    });
  }

  private key(key: string): string {
    return this.queue.toKey(`limit:${key}`);
  }

  private async client() {
    const client = await this.queue.getBackend().client;
    if (!this.defined) {
      client.defineCommand(HIT_COMMAND, { numberOfKeys: 1, lua: HIT });
      client.defineCommand(HOLD_COMMAND, { numberOfKeys: 1, lua: HOLD });
      client.defineCommand(SPACE_COMMAND, { numberOfKeys: 1, lua: SPACE });
      client.defineCommand(PEEK_COMMAND, { numberOfKeys: 1, lua: PEEK });
      client.defineCommand(RELEASE_COMMAND, { numberOfKeys: 1, lua: RELEASE });
      this.defined = true;
    }
    return client;
  }
}
