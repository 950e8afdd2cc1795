import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { HistoryVisibility, SmsNumberKind } from './sms-number.entity';

/**
 * An earlier assignment of a number and the texts it saw: those created in [visibleFrom, visibleUntil). When an admin
 * unassigns or reassigns a number and keeps its history, the people who could see its threads keep seeing them here,
 * and the new assignment starts with the texts after the change. The columns mirror sms_numbers', so the visibility
 * rules read either table the same way.
 */
@Entity('sms_number_history')
@Index('IDX_sms_number_history_number', ['numberId', 'visibleUntil'])
export class NumberHistory {
  @PrimaryGeneratedColumn('uuid', { name: 'id' })
  id!: string;

  @Column('text', { name: 'account_id' })
  accountId!: string;

  /** Removed with the number: a number that left the account shows its threads to admins only. */
  @Column('uuid', { name: 'number_id' })
  numberId!: string;

  @Column('text', { name: 'kind' })
  kind!: SmsNumberKind;

  @Column('text', { name: 'user_id', nullable: true })
  userId!: string | null;

  @Column('text', { name: 'team_id', nullable: true })
  teamId!: string | null;

  @Column('text', { name: 'member_ids', array: true, default: () => "'{}'" })
  memberIds!: string[];

  @Column('text', { name: 'history_visibility' })
  historyVisibility!: HistoryVisibility;

  @Column('timestamptz', { name: 'visible_from', nullable: true })
  visibleFrom!: Date | null;

  @Column('timestamptz', { name: 'visible_until' })
  visibleUntil!: Date;

  /** Who changed the assignment. */
  @Column('text', { name: 'changed_by_user_id', nullable: true })
  changedByUserId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
