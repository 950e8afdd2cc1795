import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Queue } from 'bullmq';
import { SmsQueue } from './queues';

// Redis Cluster hashes only the part of a key between the first '{' and the next '}' when that part is not empty.
const HASH_TAG = /^[^{]*\{[^}]+\}/;

/**
 * Why this BullMQ key prefix cannot work on Redis Cluster, or null when it can. Every key of the module must sit in
 * one hash slot: a queue's scripts touch several keys at once, an MMS flow adds jobs to two queues in one step, and
 * the provider rate limit's script reads two keys. A prefix with a hash tag (`{ticket-sms}`) puts them all in one.
 */
export function clusterPrefixProblem(prefix: string): string | null {
  if (HASH_TAG.test(prefix)) return null;
  return `The queue prefix "${prefix}" has no hash tag, so on Redis Cluster one queue's keys land on different nodes and BullMQ fails; use one such as "{${prefix.replace(/[{}]/g, '') || 'ticket-sms'}}" (QUEUE_PREFIX)`;
}

/** Refuses to start against Redis Cluster with a prefix whose keys would spread over hash slots. */
@Injectable()
export class QueuePrefixCheck implements OnApplicationBootstrap {
  constructor(@InjectQueue(SmsQueue.Outbound) private readonly queue: Queue) {}

  async onApplicationBootstrap(): Promise<void> {
    const client = await this.queue.getBackend().client;
    if (!client.isCluster) return;
    const problem = clusterPrefixProblem(this.queue.opts.prefix ?? 'bull');
    if (problem) throw new Error(problem);
  }
}
