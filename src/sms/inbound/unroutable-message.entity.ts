import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A text to a number no account owns. Kept apart from sms_messages so every row there belongs to exactly
 * one account; stored (not dropped) so a number set up at the provider but not here can be diagnosed.
 */
@Entity('sms_unroutable_messages')
@Index(['provider', 'providerMessageId'], { unique: true })
export class UnroutableMessage {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text')
  provider!: string;

  @Column('text')
  providerMessageId!: string;

  @Column('text')
  toNumber!: string;

  @Column('text')
  fromNumber!: string;

  @Column('text')
  body!: string;

  @Column('smallint', { default: 0 })
  numMedia!: number;

  @Column('timestamptz', { default: () => 'now()' })
  receivedAt!: Date;
}
