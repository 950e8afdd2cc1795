import { WorkerHost } from '@nestjs/bullmq';
import { OnModuleInit } from '@nestjs/common';
import type { Job, JobsOptions, Queue } from 'bullmq';
import {
  CheckResponseDeadlineJob,
  LapseClaimJob,
  ProcessInboundBatchJob,
  ProcessInboundJob,
  SendMessageJob,
  SmsJob,
  SmsQueue,
  StoreInboundMediaJob,
  SweepOutboxJob,
} from './queues';

/** What each job carries: adding a job with a payload of another shape does not compile. */
export interface JobPayloads {
  [SmsJob.SendMessage]: SendMessageJob;
  [SmsJob.SweepOutbox]: SweepOutboxJob;
  [SmsJob.ProcessInbound]: ProcessInboundJob;
  [SmsJob.ProcessInboundBatch]: ProcessInboundBatchJob;
  [SmsJob.StoreInboundMedia]: StoreInboundMediaJob;
  [SmsJob.LapseClaim]: LapseClaimJob;
  [SmsJob.CheckResponseDeadline]: CheckResponseDeadlineJob;
}

/** Finished jobs are kept an hour so a second add under the same id is a no-op; the rows guard after that. */
const KEEP_COMPLETED = { age: 3600, count: 10000 };
/** Failed jobs are kept a week, for whoever looks into why. */
const KEEP_FAILED = { age: 7 * 24 * 3600 };

// Gone once done: a timer that ran early (another process's clock) is added again by the sweep under the same id.
const TIMER_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: true,
  removeOnFail: KEEP_FAILED,
} as const;

interface JobSpec {
  queue: SmsQueue;
  options: JobsOptions;
}

/** Every job: the queue it runs on and its retry and retention options, in one table. */
export const JOBS = {
  [SmsJob.SendMessage]: {
    queue: SmsQueue.Outbound,
    // Twelve tries, the last about an hour after the first at the default base: an outage that long loses no text.
    options: {
      attempts: 12,
      backoff: { type: 'exponential', delay: 2000, jitter: 0.5 },
      removeOnComplete: KEEP_COMPLETED,
      removeOnFail: KEEP_FAILED,
    },
  },
  [SmsJob.SweepOutbox]: { queue: SmsQueue.Maintenance, options: {} },
  [SmsJob.ProcessInbound]: {
    queue: SmsQueue.Inbound,
    options: {
      attempts: 8,
      backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
      removeOnComplete: KEEP_COMPLETED,
      removeOnFail: KEEP_FAILED,
    },
  },
  [SmsJob.ProcessInboundBatch]: {
    queue: SmsQueue.Inbound,
    options: {
      attempts: 8,
      backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
      removeOnComplete: KEEP_COMPLETED,
      removeOnFail: KEEP_FAILED,
    },
  },
  [SmsJob.StoreInboundMedia]: {
    queue: SmsQueue.InboundMedia,
    options: {
      attempts: 5,
      backoff: { type: 'exponential', delay: 2000, jitter: 0.5 },
      // A child that gives up must not strand the text: the parent runs and names the item as left out.
      ignoreDependencyOnFailure: true,
      removeOnComplete: KEEP_COMPLETED,
      removeOnFail: KEEP_FAILED,
    },
  },
  [SmsJob.LapseClaim]: { queue: SmsQueue.Timers, options: TIMER_OPTIONS },
  [SmsJob.CheckResponseDeadline]: { queue: SmsQueue.Timers, options: TIMER_OPTIONS },
} as const satisfies Record<SmsJob, JobSpec>;

/** The jobs that run on queue `Q`. */
export type JobsOn<Q extends SmsQueue> = {
  [N in SmsJob]: (typeof JOBS)[N]['queue'] extends Q ? N : never;
}[SmsJob];

/** A queue of `Q`, typed with the payloads of its jobs. */
export type SmsQueueOf<Q extends SmsQueue> = Queue<JobPayloads[JobsOn<Q>]>;

/** What varies per add: the job id, a delay, and where a host option sets it, the retry base. */
export interface AddOptions {
  jobId?: string;
  delayMs?: number;
  retryBaseMs?: number;
}

/** The table's options for job `name`, with this add's id and delay. */
export function jobOptions(name: SmsJob, { jobId, delayMs, retryBaseMs }: AddOptions = {}): JobsOptions {
  const options: JobsOptions = { ...JOBS[name].options, jobId };
  if (delayMs !== undefined) options.delay = Math.max(0, delayMs);
  if (retryBaseMs !== undefined && typeof options.backoff === 'object')
    options.backoff = { ...options.backoff, delay: retryBaseMs };
  return options;
}

/** One job, its payload checked against its name, ready for `addBulk` or a flow. */
export function jobOf<N extends SmsJob>(
  name: N,
  data: JobPayloads[N],
  add: AddOptions = {},
): { name: N; data: JobPayloads[N]; opts: JobsOptions; queueName: (typeof JOBS)[N]['queue'] } {
  return { name, data, opts: jobOptions(name, add), queueName: JOBS[name].queue };
}

/**
 * Adds one job to its queue, its payload checked against its name. BullMQ's own generics cannot tie a name to its
 * payload, so the queue is typed by the map here and handed to BullMQ untyped.
 */
export async function addJob<Q extends SmsQueue, N extends JobsOn<Q>>(
  queue: SmsQueueOf<Q>,
  name: N,
  data: JobPayloads[N],
  add: AddOptions = {},
): Promise<Job> {
  return (queue as unknown as Queue).add(name, data, jobOptions(name, add));
}

/** Adds jobs to their queue in one round trip, each payload checked against its name. */
export async function addJobs<Q extends SmsQueue, N extends JobsOn<Q>>(
  queue: SmsQueueOf<Q>,
  jobs: { name: N; data: JobPayloads[N]; add?: AddOptions }[],
): Promise<Job[]> {
  return (queue as unknown as Queue).addBulk(
    jobs.map(({ name, data, add }) => ({ name, data, opts: jobOptions(name, add) })),
  );
}

/** A handler for each job of queue `Q`: leaving one out does not compile. */
export type JobHandlers<Q extends SmsQueue> = {
  [N in JobsOn<Q>]: (job: Job<JobPayloads[N], unknown, N>, token?: string) => Promise<unknown>;
};

/**
 * A worker of queue `Q` that hands each job to the handler of its name. At start-up it checks that every job of its
 * queue has a handler, so a job added to the table without one stops the process instead of failing each run.
 */
export abstract class JobWorker<Q extends SmsQueue> extends WorkerHost implements OnModuleInit {
  protected abstract readonly queueName: Q;
  protected abstract readonly handlers: JobHandlers<Q>;

  onModuleInit(): void {
    const handlers = this.handlers as Partial<Record<SmsJob, unknown>>;
    const missing = (Object.keys(JOBS) as SmsJob[]).filter(
      (name) => JOBS[name].queue === this.queueName && typeof handlers[name] !== 'function',
    );
    if (missing.length > 0) throw new Error(`No handler for jobs ${missing.join(', ')} on ${this.queueName}`);
  }

  process(job: Job, token?: string): Promise<unknown> {
    // The job's name picks its handler, so its payload is the one that handler takes.
    const handler = (
      this.handlers as unknown as Partial<Record<string, (job: Job, token?: string) => Promise<unknown>>>
    )[job.name];
    // A job of another version of the module, or added by hand: failing it keeps it for whoever looks.
    if (!handler) throw new Error(`No handler for job ${job.name} on ${this.queueName}`);
    return handler(job, token);
  }
}
