import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/**
 * One business number + one contact phone in one account. Remembers the ticket of the last SMS the
 * provider accepted in it, which is how a customer's reply finds its ticket (reply-matching rule b).
 */
@Entity('sms_conversations')
@Index(['accountId', 'businessNumber', 'contactPhone'], { unique: true })
@Index('IDX_sms_conversations_activity', ['accountId', 'lastActivityAt'])
@Index('IDX_sms_conversations_claim_expiry', ['claimExpiresAt'], { where: 'claim_id IS NOT NULL' })
@Check(
  'CHK_sms_conversations_claim',
  '(claimed_by_user_id IS NULL) = (claim_expires_at IS NULL) AND (claimed_by_user_id IS NULL) = (claim_id IS NULL)',
)
export class SmsConversation {
  @PrimaryGeneratedColumn('uuid', { name: 'id' })
  id!: string;

  @Column('text', { name: 'account_id' })
  accountId!: string;

  /** E.164 number of the account the texts go through. */
  @Column('text', { name: 'business_number' })
  businessNumber!: string;

  /** The customer's phone as the provider reports it (E.164). */
  @Column('text', { name: 'contact_phone' })
  contactPhone!: string;

  @Column('text', { name: 'last_outbound_ticket_id', nullable: true })
  lastOutboundTicketId!: string | null;

  /** When the provider accepted the last outbound SMS; the reply window counts from here. */
  @Column('timestamptz', { name: 'last_outbound_at', nullable: true })
  lastOutboundAt!: Date | null;

  @Column('timestamptz', { name: 'last_inbound_at', nullable: true })
  lastInboundAt!: Date | null;

  /** Latest text either way; lists are ordered by it. */
  @Column('timestamptz', { name: 'last_activity_at', nullable: true })
  lastActivityAt!: Date | null;

  /** Since when the contact waits for a person's answer (null: answered). */
  @Column('timestamptz', { name: 'waiting_since', nullable: true })
  waitingSince!: Date | null;

  @Column('timestamptz', { name: 'last_reply_at', nullable: true })
  lastReplyAt!: Date | null;

  @Column('text', { name: 'last_reply_by_user_id', nullable: true })
  lastReplyByUserId!: string | null;

  /** The live claim's row in sms_conversation_claims; the three claim columns are set and cleared together. */
  @Column('uuid', { name: 'claim_id', nullable: true })
  claimId!: string | null;

  @Column('text', { name: 'claimed_by_user_id', nullable: true })
  claimedByUserId!: string | null;

  /** The claim lapses at this instant unless the holder acts again; a lapsed claim is free for anyone. */
  @Column('timestamptz', { name: 'claim_expires_at', nullable: true })
  claimExpiresAt!: Date | null;

  /** Teams a direct number's texts also reached while its agent was not available; they keep seeing the thread. */
  @Column('text', { name: 'routed_team_ids', array: true, default: () => "'{}'" })
  routedTeamIds!: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
