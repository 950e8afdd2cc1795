import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { MessageStatus } from './message-status';

export type MessageDirection = 'outbound' | 'inbound';

/** One MMS item of an inbound text: a provider URL to fetch, or bytes the sandbox already stored. */
export interface InboundMediaItem {
  url: string | null;
  contentType: string | null;
  /** Sandbox only: storage key of the uploaded bytes. */
  uploadKey?: string;
}

/** One row per provider message, in either direction. A long text split in parts is several rows sharing `sendId`. */
@Entity('sms_messages')
@Index(['accountId', 'ticketId', 'createdAt'])
// The sweep for lost jobs: texts still in flight, by how long they have waited (a text that is sent or landed leaves it).
@Index('IDX_sms_messages_in_flight', ['status', 'updatedAt'], {
  where: "status IN ('pending', 'submitting', 'received')",
})
@Index(['provider', 'providerMessageId'], { unique: true, where: 'provider_message_id IS NOT NULL' })
// Scheduled texts of an account are re-planned together when its hours change; the sweep reads them by sendAt.
@Index('IDX_sms_messages_scheduled', ['accountId', 'sendAt'], { where: "status = 'scheduled'" })
// After-hours replies ask whether an agent texted this contact in the last minutes.
@Index('IDX_sms_messages_outbound_to', ['accountId', 'toNumber', 'createdAt'], { where: "direction = 'outbound'" })
// The parts of a split text find each other (the next part goes once the one before it was accepted).
@Index(['sendId', 'partIndex'])
// Held texts are released oldest first when credits arrive.
@Index(['accountId', 'status', 'createdAt'], { where: "status = 'held_no_credit'" })
// A conversation's texts in both directions (business number and contact swap places), and the session report by time.
@Index('IDX_sms_messages_pair', ['accountId', 'fromNumber', 'toNumber', 'createdAt'])
@Index('IDX_sms_messages_account_created', ['accountId', 'createdAt'])
// Inbound texts still to land, which a sender's later texts wait for.
@Index('IDX_sms_messages_inbound_received', ['accountId', 'fromNumber', 'toNumber', 'createdAt'], {
  where: "direction = 'inbound' AND status = 'received'",
})
// Inbound texts a person should look at: guessed tickets, triage, failed processing.
@Index(['accountId', 'createdAt'], {
  where: "direction = 'inbound' AND (match_guess OR match_rule = 'triage' OR status = 'failed')",
})
export class SmsMessage {
  @PrimaryGeneratedColumn('uuid', { name: 'id' })
  id!: string;

  @Column('text', { name: 'account_id' })
  accountId!: string;

  @Column('text', { name: 'direction' })
  direction!: MessageDirection;

  /** Why it was written: initial_problem, ticket_update, … (outbound) or reply (inbound). */
  @Column('text', { name: 'kind' })
  kind!: string;

  @Column('text', { name: 'ticket_id', nullable: true })
  ticketId!: string | null;

  @Column('text', { name: 'comment_id', nullable: true })
  commentId!: string | null;

  @Column('uuid', { name: 'send_id' })
  sendId!: string;

  @Column('smallint', { name: 'part_index', default: 1 })
  partIndex!: number;

  @Column('smallint', { name: 'part_count', default: 1 })
  partCount!: number;

  @Column('text', { name: 'to_number', nullable: true })
  toNumber!: string | null;

  @Column('text', { name: 'from_number', nullable: true })
  fromNumber!: string | null;

  @Column('text', { name: 'body' })
  body!: string;

  @Column('text', { name: 'encoding', nullable: true })
  encoding!: string | null;

  @Column('smallint', { name: 'segments', default: 0 })
  segments!: number;

  @Column('text', { name: 'status' })
  status!: MessageStatus;

  /** Provider the row was handed to (or received from). */
  @Column('text', { name: 'provider', nullable: true })
  provider!: string | null;

  @Column('text', { name: 'provider_message_id', nullable: true })
  providerMessageId!: string | null;

  @Column('text', { name: 'error_code', nullable: true })
  errorCode!: string | null;

  /** Provider error text, or why no SMS was sent (e.g. the customer has no mobile phone). */
  @Column('text', { name: 'error_message', nullable: true })
  errorMessage!: string | null;

  @Column('int', { name: 'credits', default: 0 })
  credits!: number;

  @Column('timestamptz', { name: 'send_at', nullable: true })
  sendAt!: Date | null;

  /** Outbound: written with `sendNow`, so business hours never hold it (also when it is released after waiting for credits). */
  @Column('boolean', { name: 'send_now', default: false })
  sendNow!: boolean;

  @Column('timestamptz', { name: 'submitted_at', nullable: true })
  submittedAt!: Date | null;

  @Column('int', { name: 'attempts', default: 0 })
  attempts!: number;

  @Column('text', { name: 'created_by_user_id', nullable: true })
  createdByUserId!: string | null;

  /** Inbound: the conversation (business number + contact phone) the text arrived in. */
  @Column('uuid', { name: 'conversation_id', nullable: true })
  conversationId!: string | null;

  /** Inbound: the customer who sent it, once known. */
  @Column('text', { name: 'customer_id', nullable: true })
  customerId!: string | null;

  /** Inbound: the reply-matching rule that chose the ticket (see src/sms/inbound/reply-matching.ts). */
  @Column('text', { name: 'match_rule', nullable: true })
  matchRule!: string | null;

  /** Inbound: the ticket was a guess among several open ones; shown in the triage list. */
  @Column('boolean', { name: 'match_guess', default: false })
  matchGuess!: boolean;

  /** Inbound: the MMS items as the provider announced them, in order; the media jobs read them from here. */
  @Column('jsonb', { name: 'inbound_media', nullable: true })
  inboundMedia!: InboundMediaItem[] | null;

  /**
   * Inbound: the BullMQ job that lands this text together with the others stored in the same batch (null for an MMS,
   * whose flow's job id is the row id). The outbox sweep asks that job, not the row's id, whether the text is waiting.
   */
  @Column('text', { name: 'inbound_job_id', nullable: true })
  inboundJobId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
