import { Check, Column, Entity, Generated, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { CreditBucket, CreditEntryKind } from './credit-rules';

/**
 * The credit ledger: append-only (a trigger refuses UPDATE and DELETE), one row per movement of one bucket.
 * Amounts are signed; for an account they sum to its balance. The idempotency key makes each movement happen once:
 * `grant:<account>:<period>`, `expiry:<account>:<period>`, `purchase:<account>:<key>`, `grant-by-platform:<account>:<key>`, `debit:<message>:<bucket>`,
 * `refund:<message>:<bucket>`.
 */
@Entity('sms_credit_entries')
@Index(['accountId', 'createdAt'])
@Index(['accountId', 'seq'])
@Index(['messageId'], { where: 'message_id IS NOT NULL' })
@Check('CHK_sms_credit_entries_amount', '"amount" <> 0')
export class CreditEntry {
  @PrimaryGeneratedColumn('uuid', { name: 'id' })
  id!: string;

  /** Order of appending (entries of one transaction share `createdAt`); a bigint, so pg hands it over as a string. */
  @Column('bigint', { name: 'seq' })
  @Generated('increment')
  seq!: string;

  @Column('text', { name: 'account_id' })
  accountId!: string;

  @Column('text', { name: 'kind' })
  kind!: CreditEntryKind;

  @Column('text', { name: 'bucket' })
  bucket!: CreditBucket;

  @Column('int', { name: 'amount' })
  amount!: number;

  /** The credit period ('YYYY-MM', account time zone) the movement belongs to. */
  @Column('text', { name: 'period' })
  period!: string;

  @Column('uuid', { name: 'message_id', nullable: true })
  messageId!: string | null;

  /** Who caused it: the buyer of a pack, the technician whose SMS was debited. */
  @Column('text', { name: 'user_id', nullable: true })
  userId!: string | null;

  @Column('text', { name: 'idempotency_key', unique: true })
  idempotencyKey!: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;
}
