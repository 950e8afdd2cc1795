/** Every queue of the SMS module; a job's name is the name of the work it does. */
export enum SmsQueue {
  Outbound = 'sms-outbound',
  Maintenance = 'sms-maintenance',
  /**
   * Inbound landing: one job for the plain texts a webhook batch stored (job id on their rows), one job per text
   * re-enqueued on its own (job id = message row id), and with MMS the parent of a flow (job id = message row id).
   */
  Inbound = 'sms-inbound',
  /** One child job per MMS item: download, clean, thumbnail, store. */
  InboundMedia = 'sms-inbound-media',
  /**
   * Conversation timers, delayed jobs due when a claim lapses or a contact's wait passes the response time; job ids
   * are built from the rows (claim id and expiry, conversation and wait start), so the sweep can rebuild them.
   */
  Timers = 'sms-timers',
}

/**
 * Whether a job in this state (BullMQ's `getJobState`) will not run again: gone (`unknown`), done or failed for good.
 * A row whose job has ended and that still waits for it needs a new job.
 */
export function jobEnded(state: string): boolean {
  return state === 'unknown' || state === 'completed' || state === 'failed';
}

/** The flow producer that adds an MMS's media children and its comment-writing parent in one step. */
export const INBOUND_FLOW = 'sms-inbound-flow';

export enum SmsJob {
  SendMessage = 'SendMessage',
  SweepOutbox = 'SweepOutbox',
  ProcessInbound = 'ProcessInbound',
  ProcessInboundBatch = 'ProcessInboundBatch',
  StoreInboundMedia = 'StoreInboundMedia',
  LapseClaim = 'LapseClaim',
  CheckResponseDeadline = 'CheckResponseDeadline',
}

/** Jobs carry ids, never copies of rows: the row in PostgreSQL is the truth when the job runs. */
export interface SendMessageJob {
  messageId: string;
}

/** The outbox sweep carries nothing: it reads the rows that need a job. */
export type SweepOutboxJob = Record<string, never>;

export interface ProcessInboundJob {
  messageId: string;
  /** Set on an MMS flow's parent: it has media children whose results it reads. */
  withMedia?: boolean;
}

/** Plain texts stored by one webhook batch, landed by one job. */
export interface ProcessInboundBatchJob {
  messageIds: string[];
}

export interface StoreInboundMediaJob {
  messageId: string;
  /** 0-based index into the message's inboundMedia. */
  position: number;
}

/** A claim's expiry: the claim lapses unless it was extended, released or handed on. */
export interface LapseClaimJob {
  accountId: string;
  conversationId: string;
  claimId: string;
}

/** A contact's wait on a direct number reached the response time: the agent's availability is evaluated. */
export interface CheckResponseDeadlineJob {
  accountId: string;
  conversationId: string;
}
