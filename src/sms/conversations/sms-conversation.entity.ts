import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/**
 * One business number + one contact phone in one account. Remembers the ticket of the last SMS the
 * provider accepted in it, which is how a customer's reply finds its ticket (reply-matching rule b).
 */
@Entity('sms_conversations')
@Index(['accountId', 'businessNumber', 'contactPhone'], { unique: true })
export class SmsConversation {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  accountId!: string;

  /** E.164 number of the account the texts go through. */
  @Column('text')
  businessNumber!: string;

  /** The customer's phone as the provider reports it (E.164). */
  @Column('text')
  contactPhone!: string;

  @Column('uuid', { nullable: true })
  lastOutboundTicketId!: string | null;

  /** When the provider accepted the last outbound SMS; the reply window counts from here. */
  @Column('timestamptz', { nullable: true })
  lastOutboundAt!: Date | null;

  @Column('timestamptz', { nullable: true })
  lastInboundAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
