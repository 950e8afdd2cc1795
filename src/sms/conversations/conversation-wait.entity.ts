import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A contact waiting for a person: opened by their text, closed by the first reply of anyone at the account.
 * On a direct number it names the number's agent, whose missed answers make them `missed`.
 */
@Entity('sms_conversation_waits')
@Index('UQ_sms_conversation_waits_open', ['conversationId'], { unique: true, where: 'answered_at IS NULL' })
@Index('IDX_sms_conversation_waits_deadline', ['startedAt'], {
  where: 'deadline_checked_at IS NULL AND direct_user_id IS NOT NULL',
})
@Index('IDX_sms_conversation_waits_direct', ['accountId', 'directUserId', 'startedAt'], {
  where: 'direct_user_id IS NOT NULL',
})
export class ConversationWait {
  @PrimaryGeneratedColumn('uuid', { name: 'id' })
  id!: string;

  @Column('text', { name: 'account_id' })
  accountId!: string;

  @Column('uuid', { name: 'conversation_id' })
  conversationId!: string;

  /** The agent of the direct number the contact texted; null on team and shared numbers. */
  @Column('text', { name: 'direct_user_id', nullable: true })
  directUserId!: string | null;

  @Column('timestamptz', { name: 'started_at' })
  startedAt!: Date;

  @Column('timestamptz', { name: 'answered_at', nullable: true })
  answeredAt!: Date | null;

  @Column('text', { name: 'answered_by_user_id', nullable: true })
  answeredByUserId!: string | null;

  /** When the response deadline's job looked at this wait; the sweep gives a job to direct waits not looked at. */
  @Column('timestamptz', { name: 'deadline_checked_at', nullable: true })
  deadlineCheckedAt!: Date | null;
}
