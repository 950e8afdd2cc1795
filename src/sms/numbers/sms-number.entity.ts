import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * `unassigned`: nobody's yet (new numbers; only admins see its texts, it sends nothing); `direct`: one user's own
 * number; `group`: one team's; `users`: chosen users' (memberIds); `shared`: the whole account's.
 */
export const SMS_NUMBER_KINDS = ['unassigned', 'direct', 'group', 'users', 'shared'] as const;
export type SmsNumberKind = (typeof SMS_NUMBER_KINDS)[number];

/** Who of a team or shared number's members sees past threads: all of them, or only those who handled each one. */
export const HISTORY_VISIBILITIES = ['members', 'handler'] as const;
export type HistoryVisibility = (typeof HISTORY_VISIBILITIES)[number];

@Entity('sms_numbers')
@Check(
  'CHK_sms_numbers_assignment',
  "(kind IN ('shared', 'unassigned') AND user_id IS NULL AND team_id IS NULL AND cardinality(member_ids) = 0) OR (kind = 'direct' AND user_id IS NOT NULL AND team_id IS NULL AND cardinality(member_ids) = 0) OR (kind = 'group' AND team_id IS NOT NULL AND user_id IS NULL AND cardinality(member_ids) = 0) OR (kind = 'users' AND user_id IS NULL AND team_id IS NULL AND cardinality(member_ids) > 0)",
)
@Check('CHK_sms_numbers_history_visibility', "history_visibility IN ('members', 'handler')")
@Check('CHK_sms_numbers_claim_timeout', 'claim_timeout_minutes IS NULL OR claim_timeout_minutes BETWEEN 1 AND 1440')
@Index(['accountId', 'createdAt'])
@Index('IDX_sms_numbers_user', ['accountId', 'userId'], { where: 'user_id IS NOT NULL' })
@Index('IDX_sms_numbers_team', ['accountId', 'teamId'], { where: 'team_id IS NOT NULL' })
export class SmsNumber {
  @PrimaryGeneratedColumn('uuid', { name: 'id' })
  id!: string;

  @Column('text', { name: 'account_id' })
  accountId!: string;

  /** E.164; a number belongs to one account only. */
  @Index({ unique: true })
  @Column('text', { name: 'number' })
  number!: string;

  @Column('text', { name: 'label' })
  label!: string;

  /** The account's default sender; at most one per account. */
  @Column('boolean', { name: 'is_default', default: false })
  isDefault!: boolean;

  @Column('text', { name: 'kind', default: 'unassigned' })
  kind!: SmsNumberKind;

  /** The user a `direct` number belongs to. */
  @Column('text', { name: 'user_id', nullable: true })
  userId!: string | null;

  /** The team a `group` number belongs to. */
  @Column('text', { name: 'team_id', nullable: true })
  teamId!: string | null;

  /** The chosen users of a `users` number. */
  @Column('text', { name: 'member_ids', array: true, default: () => "'{}'" })
  memberIds!: string[];

  /**
   * Where the current assignment's view of the number's texts begins (database time): texts before it belong to
   * earlier assignments (sms_number_history), unless an admin handed them over. Null: all of them.
   */
  @Column('timestamptz', { name: 'history_from', nullable: true, default: () => 'now()' })
  historyFrom!: Date | null;

  /** When the provider last confirmed the number is ours (its provider account lists it); null: not verified, it does not send. */
  @Column('timestamptz', { name: 'verified_at', nullable: true })
  verifiedAt!: Date | null;

  @Column('timestamptz', { name: 'verification_checked_at', nullable: true })
  verificationCheckedAt!: Date | null;

  /** Why the last check did not verify it. */
  @Column('text', { name: 'verification_error', nullable: true })
  verificationError!: string | null;

  @Column('text', { name: 'history_visibility', default: 'members' })
  historyVisibility!: HistoryVisibility;

  /** Claim timeout of this number's conversations; null: the account's (claimTimeoutMinutes). */
  @Column('int', { name: 'claim_timeout_minutes', nullable: true })
  claimTimeoutMinutes!: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
