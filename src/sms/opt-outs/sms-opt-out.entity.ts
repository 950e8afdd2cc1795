import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A phone that texted STOP to the account: no SMS goes to it until it texts START. Absent row = may be texted. */
@Entity('sms_opt_outs')
export class SmsOptOut {
  @PrimaryColumn('uuid')
  accountId!: string;

  /** E.164. */
  @PrimaryColumn('text')
  phone!: string;

  /** The word the customer sent (STOP, UNSUBSCRIBE, …), upper case. */
  @Column('text')
  keyword!: string;

  /** The inbound message that carried it. */
  @Column('uuid', { nullable: true })
  messageId!: string | null;

  @Column('timestamptz')
  optedOutAt!: Date;
}
