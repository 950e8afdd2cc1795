import { Column, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** An account's override of a shipped template; no row means the default from templates/sms. */
@Entity('sms_templates')
@Index(['accountId', 'key'], { unique: true })
export class SmsTemplate {
  @PrimaryGeneratedColumn('uuid', { name: 'id' })
  id!: string;

  @Column('text', { name: 'account_id' })
  accountId!: string;

  @Column('text', { name: 'key' })
  key!: string;

  @Column('text', { name: 'body' })
  body!: string;

  @Column('text', { name: 'updated_by_user_id', nullable: true })
  updatedByUserId!: string | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
