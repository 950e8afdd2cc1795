import { Check, Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { DEFAULT_MONTHLY_ALLOWANCE } from './credit-rules';

/**
 * An account's credits, kept beside the ledger and changed only in the transaction that appends the entry.
 * The CHECKs are the backstop: no bug can overdraw a bucket.
 */
@Entity('sms_credit_balances')
@Check('CHK_sms_credit_balances_monthly', '"monthly_remaining" >= 0')
@Check('CHK_sms_credit_balances_addon', '"addon_remaining" >= 0')
@Check('CHK_sms_credit_balances_allowance', '"monthly_allowance" >= 0')
export class CreditBalance {
  @PrimaryColumn('text', { name: 'account_id' })
  accountId!: string;

  /** Credits granted at the start of each calendar month; they do not roll over. */
  @Column('int', { name: 'monthly_allowance', default: DEFAULT_MONTHLY_ALLOWANCE })
  monthlyAllowance!: number;

  /** 'YYYY-MM' the monthly credits belong to; null until the account first used credits. */
  @Column('text', { name: 'monthly_period', nullable: true })
  monthlyPeriod!: string | null;

  @Column('int', { name: 'monthly_remaining', default: 0 })
  monthlyRemaining!: number;

  /** Bought in packs; they roll over. */
  @Column('int', { name: 'addon_remaining', default: 0 })
  addonRemaining!: number;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
