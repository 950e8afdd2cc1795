import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/**
 * A saved answer members insert or send in a conversation: the account's own (teamId null) or one team's. Its body is
 * a template (the SMS templates' variables and helpers), rendered with the conversation's ticket, contact and writer.
 * Unique per scope by name, case-insensitively (an expression index of the migration).
 */
@Entity('sms_canned_replies')
export class CannedReply {
  @PrimaryGeneratedColumn('uuid', { name: 'id' })
  id!: string;

  @Column('text', { name: 'account_id' })
  accountId!: string;

  /** The team whose members use it; null: every member of the account. */
  @Column('text', { name: 'team_id', nullable: true })
  teamId!: string | null;

  @Column('text', { name: 'name' })
  name!: string;

  @Column('text', { name: 'body' })
  body!: string;

  @Column('text', { name: 'updated_by_user_id', nullable: true })
  updatedByUserId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
