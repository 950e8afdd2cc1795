import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

@Entity('sms_numbers')
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

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
