import { Column, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** An account's override of a shipped template; no row means the default from templates/sms. */
@Entity('sms_templates')
@Index(['accountId', 'key'], { unique: true })
export class SmsTemplate {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  accountId!: string;

  @Column('text')
  key!: string;

  @Column('text')
  body!: string;

  @Column('uuid', { nullable: true })
  updatedByUserId!: string | null;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
