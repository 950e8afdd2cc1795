import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** One row per account; an absent row means every default below. */
@Entity('sms_settings')
export class SmsSettings {
  @PrimaryColumn('uuid')
  accountId!: string;

  @Column('boolean', { default: true })
  enabled!: boolean;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
