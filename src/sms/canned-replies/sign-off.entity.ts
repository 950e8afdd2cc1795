import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A member's sign-off (e.g. "- Tina"), added on its own line to the texts they write in conversations. */
@Entity('sms_sign_offs')
export class SignOff {
  @PrimaryColumn('text', { name: 'account_id' })
  accountId!: string;

  @PrimaryColumn('text', { name: 'user_id' })
  userId!: string;

  @Column('text', { name: 'sign_off' })
  signOff!: string;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
