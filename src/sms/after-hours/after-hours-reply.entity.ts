import { Check, Column, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { BusinessHours } from '../schedule/business-hours';

export const AFTER_HOURS_LEVELS = ['account', 'team', 'user'] as const;
export type AfterHoursLevel = (typeof AFTER_HOURS_LEVELS)[number];

/**
 * The after-hours reply of one level: the account's, or a team's or user's override of it. A team or user
 * without a row uses the next level up ("reset to account" deletes the row).
 */
@Entity('sms_after_hours_replies')
@Check('CHK_sms_after_hours_replies_level', "level IN ('account', 'team', 'user')")
@Index('UQ_sms_after_hours_replies_owner', ['accountId', 'level', 'ownerId'], { unique: true })
export class AfterHoursReply {
  @PrimaryGeneratedColumn('uuid', { name: 'id' })
  id!: string;

  @Column('text', { name: 'account_id' })
  accountId!: string;

  @Column('text', { name: 'level' })
  level!: AfterHoursLevel;

  /** The account's, team's or user's id. */
  @Column('text', { name: 'owner_id' })
  ownerId!: string;

  /** An override that is off silences the levels above it for this team or user. */
  @Column('boolean', { name: 'enabled' })
  enabled!: boolean;

  /** The hours this reply treats as open; null means the account's business hours. */
  @Column('jsonb', { name: 'hours', nullable: true })
  hours!: BusinessHours | null;

  /** Template text of a team or user override; null means the account's `after_hours` template. */
  @Column('text', { name: 'body', nullable: true })
  body!: string | null;

  /** Account level only: at most one reply per contact in this many hours; null means 12. */
  @Column('int', { name: 'window_hours', nullable: true })
  windowHours!: number | null;

  @Column('text', { name: 'updated_by_user_id', nullable: true })
  updatedByUserId!: string | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
