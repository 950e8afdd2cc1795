import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** `direct`: one user's own number; `group`: one team's shared number; `shared`: the whole account's. */
export const SMS_NUMBER_KINDS = ['direct', 'group', 'shared'] as const;
export type SmsNumberKind = (typeof SMS_NUMBER_KINDS)[number];

@Entity('sms_numbers')
@Check(
  'CHK_sms_numbers_assignment',
  "(kind = 'shared' AND user_id IS NULL AND team_id IS NULL) OR (kind = 'direct' AND user_id IS NOT NULL AND team_id IS NULL) OR (kind = 'group' AND team_id IS NOT NULL AND user_id IS NULL)",
)
@Index(['accountId', 'createdAt'])
export class SmsNumber {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  accountId!: string;

  /** E.164; a number belongs to one account only. */
  @Index({ unique: true })
  @Column('text')
  number!: string;

  @Column('text')
  label!: string;

  /** The account's default sender; at most one per account. */
  @Column('boolean', { default: false })
  isDefault!: boolean;

  @Column('text', { default: 'shared' })
  kind!: SmsNumberKind;

  /** The user a `direct` number belongs to. */
  @Column('uuid', { nullable: true })
  userId!: string | null;

  /** The team a `group` number belongs to. */
  @Column('uuid', { nullable: true })
  teamId!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
