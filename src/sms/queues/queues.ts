/** Every queue of the SMS module; a job's name is the name of the work it does. */
export enum SmsQueue {
  Outbound = 'sms-outbound',
  Maintenance = 'sms-maintenance',
  /** One job per inbound text (job id = message row id); with MMS, the parent of a flow. */
  Inbound = 'sms-inbound',
  /** One child job per MMS item: download, clean, thumbnail, store. */
  InboundMedia = 'sms-inbound-media',
}

/** The flow producer that adds an MMS's media children and its comment-writing parent in one step. */
export const INBOUND_FLOW = 'sms-inbound-flow';

export enum SmsJob {
  SendMessage = 'SendMessage',
  SweepOutbox = 'SweepOutbox',
  ProcessInbound = 'ProcessInbound',
  StoreInboundMedia = 'StoreInboundMedia',
}

/** Jobs carry ids, never copies of rows: the row in PostgreSQL is the truth when the job runs. */
export interface SendMessageJob {
  messageId: string;
}

export interface ProcessInboundJob {
  messageId: string;
  /** Set on an MMS flow's parent: it has media children whose results it reads. */
  withMedia?: boolean;
}

export interface StoreInboundMediaJob {
  messageId: string;
  /** 0-based index into the message's inboundMedia. */
  position: number;
}
