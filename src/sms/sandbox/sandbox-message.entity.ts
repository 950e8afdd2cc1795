import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** What the sandbox "carrier" received: the local stand-in for a real provider's outbox. */
@Entity('sms_sandbox_messages')
@Index(['accountId', 'createdAt'])
export class SandboxMessage {
  /** The provider id the sandbox hands back, like Twilio's SM… sid. */
  @PrimaryColumn('text')
  sid!: string;

  @Column('uuid')
  accountId!: string;

  @Column('uuid')
  messageId!: string;

  @Column('text')
  toNumber!: string;

  @Column('text')
  fromNumber!: string;

  @Column('text')
  body!: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
