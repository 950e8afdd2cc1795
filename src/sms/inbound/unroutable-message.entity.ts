import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A text to a number no account owns. Kept apart from sms_messages so every row there belongs to exactly
 * one account; stored (not dropped) so a number set up at the provider but not here can be diagnosed.
 */
@Entity('sms_unroutable_messages')
@Index(['provider', 'providerMessageId'], { unique: true })
export class UnroutableMessage {
  @PrimaryGeneratedColumn('uuid', { name: 'id' })
  id!: string;

  @Column('text', { name: 'provider' })
  provider!: string;

  @Column('text', { name: 'provider_message_id' })
  providerMessageId!: string;

  @Column('text', { name: 'to_number' })
  toNumber!: string;

  @Column('text', { name: 'from_number' })
  fromNumber!: string;

  @Column('text', { name: 'body' })
  body!: string;

  @Column('smallint', { name: 'num_media', default: 0 })
  numMedia!: number;

  @Column('timestamptz', { name: 'received_at', default: () => 'now()' })
  receivedAt!: Date;
}
