import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** One row per account; an absent row means SMS_SETTINGS_DEFAULTS. Every column has a database default too. */
@Entity('sms_settings')
export class SmsSettings {
  @PrimaryColumn('uuid')
  accountId!: string;

  @Column('boolean', { default: true })
  enabled!: boolean;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}

/** What an account gets before an admin changes anything. */
export const SMS_SETTINGS_DEFAULTS: Omit<SmsSettings, 'accountId' | 'updatedAt'> = {
  enabled: true,
};
