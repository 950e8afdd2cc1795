import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** What the sandbox "carrier" received: the local stand-in for a real provider's outbox. */
@Entity('sms_sandbox_messages')
@Index(['accountId', 'createdAt'])
export class SandboxMessage {
  /** The provider id the sandbox hands back, like Twilio's SM… sid. */
  @PrimaryColumn('text', { name: 'sid' })
  sid!: string;

  @Column('text', { name: 'account_id' })
  accountId!: string;

  @Column('uuid', { name: 'message_id' })
  messageId!: string;

  @Column('text', { name: 'to_number' })
  toNumber!: string;

  @Column('text', { name: 'from_number' })
  fromNumber!: string;

  @Column('text', { name: 'body' })
  body!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
