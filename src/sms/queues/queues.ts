/** Every queue of the SMS module; a job's name is the name of the work it does. */
export enum SmsQueue {
  Outbound = 'sms-outbound',
  Maintenance = 'sms-maintenance',
}

export enum SmsJob {
  SendMessage = 'SendMessage',
  SweepOutbox = 'SweepOutbox',
}

/** Jobs carry ids, never copies of rows: the row in PostgreSQL is the truth when the job runs. */
export interface SendMessageJob {
  messageId: string;
}
