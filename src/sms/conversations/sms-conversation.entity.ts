import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/**
 * One business number + one contact phone in one account. Remembers the ticket of the last SMS the
 * provider accepted in it, which is how a customer's reply finds its ticket (reply-matching rule b).
 */
@Entity('sms_conversations')
@Index(['accountId', 'businessNumber', 'contactPhone'], { unique: true })
@Index('IDX_sms_conversations_activity', ['accountId', 'lastActivityAt'])
@Check('CHK_sms_conversations_claim', '(claimed_by_user_id IS NULL) = (claim_expires_at IS NULL) AND (claimed_by_user_id IS NULL) = (claim_id IS NULL)')
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

  /** Latest text either way; lists are ordered by it. */
  @Column('timestamptz', { nullable: true })
  lastActivityAt!: Date | null;

  /** Since when the contact waits for a person's answer (null: answered). */
  @Column('timestamptz', { nullable: true })
  waitingSince!: Date | null;

  @Column('timestamptz', { nullable: true })
  lastReplyAt!: Date | null;

  @Column('uuid', { nullable: true })
  lastReplyByUserId!: string | null;

  /** The live claim's row in sms_conversation_claims; the three claim columns are set and cleared together. */
  @Column('uuid', { nullable: true })
  claimId!: string | null;

  @Column('uuid', { nullable: true })
  claimedByUserId!: string | null;

  /** The claim lapses at this instant unless the holder acts again; a lapsed claim is free for anyone. */
  @Column('timestamptz', { nullable: true })
  claimExpiresAt!: Date | null;

  /** Teams a direct number's texts also reached while its agent was not available; they keep seeing the thread. */
  @Column('uuid', { array: true, default: () => "'{}'" })
  routedTeamIds!: string[];

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
