import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { MessageStatus } from './message-status';

export type MessageDirection = 'outbound' | 'inbound';

/** One row per provider message, in either direction. A long text split in parts is several rows sharing `sendId`. */
@Entity('sms_messages')
@Index(['accountId', 'ticketId', 'createdAt'])
@Index(['status', 'updatedAt'])
@Index(['provider', 'providerMessageId'], { unique: true, where: 'provider_message_id IS NOT NULL' })
export class SmsMessage {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  accountId!: string;

  @Column('text')
  direction!: MessageDirection;

  /** Why it was written: initial_problem, ticket_update, … (outbound) or reply (inbound). */
  @Column('text')
  kind!: string;

  @Column('uuid', { nullable: true })
  ticketId!: string | null;

  @Column('uuid', { nullable: true })
  commentId!: string | null;

  @Column('uuid')
  sendId!: string;

  @Column('smallint', { default: 1 })
  partIndex!: number;

  @Column('smallint', { default: 1 })
  partCount!: number;

  @Column('text', { nullable: true })
  toNumber!: string | null;

  @Column('text', { nullable: true })
  fromNumber!: string | null;

  @Column('text')
  body!: string;

  @Column('text', { nullable: true })
  encoding!: string | null;

  @Column('smallint', { default: 0 })
  segments!: number;

  @Column('text')
  status!: MessageStatus;

  /** Provider the row was handed to (or received from). */
  @Column('text', { nullable: true })
  provider!: string | null;

  @Column('text', { nullable: true })
  providerMessageId!: string | null;

  @Column('text', { nullable: true })
  errorCode!: string | null;

  /** Provider error text, or why no SMS was sent (e.g. the customer has no mobile phone). */
  @Column('text', { nullable: true })
  errorMessage!: string | null;

  @Column('int', { default: 0 })
  credits!: number;

  @Column('timestamptz', { nullable: true })
  sendAt!: Date | null;

  @Column('timestamptz', { nullable: true })
  submittedAt!: Date | null;

  @Column('int', { default: 0 })
  attempts!: number;

  @Column('uuid', { nullable: true })
  createdByUserId!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
