import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A phone that texted STOP to the account: no SMS goes to it until it texts START. Absent row = may be texted. */
@Entity('sms_opt_outs')
export class SmsOptOut {
  @PrimaryColumn('text', { name: 'account_id' })
  accountId!: string;

  /** E.164. */
  @PrimaryColumn('text', { name: 'phone' })
  phone!: string;

  /** The word the customer sent (STOP, UNSUBSCRIBE, …), upper case. */
  @Column('text', { name: 'keyword' })
  keyword!: string;

  /** The inbound message that carried it. */
  @Column('uuid', { name: 'message_id', nullable: true })
  messageId!: string | null;

  @Column('timestamptz', { name: 'opted_out_at' })
  optedOutAt!: Date;
}
