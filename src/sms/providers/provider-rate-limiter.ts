import { randomUUID } from 'node:crypto';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { SmsQueue } from '../queues/queues';
import type { ProviderRateLimit } from './sms-provider';

// Spaces sends of one rate key 1/perSecond apart across every worker: KEYS[1] holds the next free slot (ms, on
// Redis's clock so workers' clocks need not agree). A message given a later slot holds a reservation (KEYS[2]) and
// is delayed to it; when it runs it spends the reservation instead of queueing again behind newer messages.
const RESERVE_SLOT = `
if redis.call('DEL', KEYS[2]) == 1 then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if slot < now then slot = now end
redis.call('SET', KEYS[1], string.format('%.0f', slot + interval), 'PX', string.format('%.0f', slot + interval - now + 1000))
local wait = slot - now
if wait > tonumber(ARGV[2]) then redis.call('SET', KEYS[2], '1', 'PX', string.format('%.0f', wait + 60000)) end
return wait
`;
// The last-moment check, right before the HTTP call: at most perSecond sends in any window of ARGV[3] ms (a log of
// send times in a sorted set). Slots are planned before the pipeline's database work, whose time varies; this makes
// the limit hold at the provider's door. Returns 0 (recorded) or the ms until the oldest send leaves the window.
const ADMIT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now - window))
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], string.format('%.0f', now), ARGV[2])
  redis.call('PEXPIRE', KEYS[1], window * 2)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return tonumber(oldest[2]) + window - now + 1
`;
// After a 429 the provider account's next slot moves at least ARGV[1] ms ahead, so its other texts wait too.
const BACK_OFF = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local resume_at = now + tonumber(ARGV[1])
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if slot < resume_at then redis.call('SET', KEYS[1], string.format('%.0f', resume_at), 'PX', string.format('%.0f', resume_at - now + 1000)) end
return 0
`;
const RESERVE = 'smsReserveProviderSlot';
const BACK_OFF_ALL = 'smsBackOffProvider';
const ADMIT_NOW = 'smsAdmitProviderSend';

/** A wait shorter than this is slept in the worker; a longer one delays the job (it frees the worker meanwhile). */
export const IN_PROCESS_WAIT_MS = 50;
/** A quarter second over a second: on a busy host a request can take a few hundred ms longer than the one before to reach the provider. */
const ADMIT_WINDOW_MS = 1250;
/** How long a provider account's texts all pause after it answered 429 (each job also backs off on its own). */
export const PROVIDER_429_BACKOFF_MS = 1000;

/** The provider account's send rate is used up: the job waits `waitMs` for its reserved slot. Nothing was sent. */
export class SendThrottledError extends Error {
  constructor(readonly waitMs: number) {
    super(`Waiting ${waitMs} ms for the provider account's next send slot`);
  }
}

/**
 * Per provider account send rate (Flowroute: 5 SMS/s). BullMQ's own limiter (worker/queue `rateLimit` with
 * RateLimitError) pauses the whole queue, which would hold every other account's texts behind one busy account;
 * per-key limits are BullMQ Pro's groups. So each job asks for a slot of its key, and one that must wait is moved
 * to `delayed` until its slot (job.moveToDelayed + DelayedError, which does not use up an attempt).
 */
@Injectable()
export class ProviderRateLimiter {
  private defined = false;

  constructor(@InjectQueue(SmsQueue.Outbound) private readonly queue: Queue) {}

  /** Milliseconds until `messageId` may be sent under `limit`: 0 now, else it holds the slot at that time. */
  async reserve(limit: ProviderRateLimit, messageId: string): Promise<number> {
    const client = await this.client();
    const interval = Math.ceil(ADMIT_WINDOW_MS / limit.perSecond);
    const wait = (await client.runCommand(RESERVE, [
      this.queue.toKey(`rate:${limit.key}`),
      this.queue.toKey(`rate-reserved:${messageId}`),
      interval,
      IN_PROCESS_WAIT_MS,
    ])) as number;
    return Math.max(0, Number(wait));
  }

  /** Waits (in the worker, about a second at most) until a send fits in the last window of `limit`'s key, and records it. */
  async admit(limit: ProviderRateLimit, messageId: string): Promise<void> {
    const client = await this.client();
    for (;;) {
      const wait = Number(
        await client.runCommand(ADMIT_NOW, [
          this.queue.toKey(`rate-log:${limit.key}`),
          limit.perSecond,
          `${messageId}:${randomUUID()}`,
          ADMIT_WINDOW_MS,
        ]),
      );
      if (wait <= 0) return;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  /** The provider answered 429: every text of this key waits at least `ms` before its next slot. */
  async backOff(limit: ProviderRateLimit, ms: number): Promise<void> {
    const client = await this.client();
    await client.runCommand(BACK_OFF_ALL, [this.queue.toKey(`rate:${limit.key}`), ms]);
  }

  private async client() {
    const client = await this.queue.getBackend().client;
    if (!this.defined) {
      client.defineCommand(RESERVE, { numberOfKeys: 2, lua: RESERVE_SLOT });
      client.defineCommand(ADMIT_NOW, { numberOfKeys: 1, lua: ADMIT });
      client.defineCommand(BACK_OFF_ALL, { numberOfKeys: 1, lua: BACK_OFF });
      this.defined = true;
    }
    return client;
  }
}
