import { Column, Entity, PrimaryColumn } from 'typeorm';

/** When a contact last got an after-hours reply; the key makes "once per window" hold under concurrent texts. */
@Entity('sms_after_hours_contacts')
export class AfterHoursContact {
  @PrimaryColumn('text', { name: 'account_id' })
  accountId!: string;

  /** E.164 */
  @PrimaryColumn('text', { name: 'contact_phone' })
  contactPhone!: string;

  @Column('timestamptz', { name: 'last_replied_at' })
  lastRepliedAt!: Date;
}
