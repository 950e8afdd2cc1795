import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** How a member came to hold a conversation: replying to it, claiming it, or being handed it. */
export type ClaimVia = 'reply' | 'claim' | 'transfer';
/** How a claim ended; a claim that passed its expiry with nobody touching the conversation is `expired` once seen. */
export type ClaimEnd = 'released' | 'transferred' | 'expired';

/**
 * One claim of a team or shared number's conversation, from the moment a member took it until it was
 * released, handed on or lapsed. The live claim is also on the conversation row (claimId), where it is taken
 * under a row lock; these rows are its history: transfers, lapses without a reply, and the session report.
 */
@Entity('sms_conversation_claims')
@Check('CHK_sms_conversation_claims_via', "via IN ('reply', 'claim', 'transfer')")
@Check('CHK_sms_conversation_claims_end', "end_reason IS NULL OR end_reason IN ('released', 'transferred', 'expired')")
@Index('IDX_sms_conversation_claims_conversation', ['conversationId', 'createdAt'])
@Index('IDX_sms_conversation_claims_user', ['accountId', 'userId', 'claimedAt'])
export class ConversationClaim {
  @PrimaryGeneratedColumn('uuid', { name: 'id' })
  id!: string;

  @Column('text', { name: 'account_id' })
  accountId!: string;

  @Column('uuid', { name: 'conversation_id' })
  conversationId!: string;

  /** The holder. */
  @Column('text', { name: 'user_id' })
  userId!: string;

  @Column('text', { name: 'via' })
  via!: ClaimVia;

  /** A transfer: who handed it over. */
  @Column('text', { name: 'from_user_id', nullable: true })
  fromUserId!: string | null;

  /** Clock time (the module's injectable clock), like the expiry it is compared with. */
  @Column('timestamptz', { name: 'claimed_at' })
  claimedAt!: Date;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt!: Date;

  /** The holder's first reply while holding it; a claim that lapses without one counts towards `unresponsive`. */
  @Column('timestamptz', { name: 'replied_at', nullable: true })
  repliedAt!: Date | null;

  @Column('timestamptz', { name: 'ended_at', nullable: true })
  endedAt!: Date | null;

  @Column('text', { name: 'end_reason', nullable: true })
  endReason!: ClaimEnd | null;

  /** Database time of the row, the clock the message rows use: the session report places claims in sessions by it. */
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
