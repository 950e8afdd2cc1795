import { CreateDateColumn, Column, Entity, PrimaryColumn } from 'typeorm';

/** A user an admin allowed to edit their own after-hours reply; kept when the override is reset. */
@Entity('sms_after_hours_editors')
export class AfterHoursEditor {
  @PrimaryColumn('text', { name: 'account_id' })
  accountId!: string;

  @PrimaryColumn('text', { name: 'user_id' })
  userId!: string;

  @Column('text', { name: 'granted_by_user_id', nullable: true })
  grantedByUserId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
