import { CreateDateColumn, Column, Entity, PrimaryColumn } from 'typeorm';

/** A user an admin allowed to edit their own after-hours reply; kept when the override is reset. */
@Entity('sms_after_hours_editors')
export class AfterHoursEditor {
  @PrimaryColumn('uuid')
  accountId!: string;

  @PrimaryColumn('uuid')
  userId!: string;

  @Column('uuid', { nullable: true })
  grantedByUserId!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
