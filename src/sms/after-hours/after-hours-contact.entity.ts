import { Column, Entity, PrimaryColumn } from 'typeorm';

/** When a contact last got an after-hours reply; the key makes "once per window" hold under concurrent texts. */
@Entity('sms_after_hours_contacts')
export class AfterHoursContact {
  @PrimaryColumn('uuid')
  accountId!: string;

  /** E.164 */
  @PrimaryColumn('text')
  contactPhone!: string;

  @Column('timestamptz')
  lastRepliedAt!: Date;
}
