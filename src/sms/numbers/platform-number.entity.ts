import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One of the platform's own numbers (its Twilio account's) and the account the platform assigned it to. An account
 * may add a platform number only once it is assigned here; texts to it are routed only to that account.
 */
@Entity('sms_platform_numbers')
@Index('IDX_sms_platform_numbers_account', ['accountId', 'assignedAt'])
export class PlatformNumber {
  /** E.164. */
  @PrimaryColumn('text', { name: 'number' })
  number!: string;

  @Column('text', { name: 'account_id' })
  accountId!: string;

  @Column('timestamptz', { name: 'assigned_at', default: () => 'now()' })
  assignedAt!: Date;
}
