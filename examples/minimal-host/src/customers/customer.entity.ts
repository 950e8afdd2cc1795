import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('customers')
export class Customer {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column('integer')
  accountId!: number;

  @Column('text')
  name!: string;

  /** E.164 mobile number, if the customer gave one. */
  @Column('text', { nullable: true })
  mobile!: string | null;

  /** The customer agreed to get texts about their tickets. */
  @Column('boolean', { default: true })
  smsOptIn!: boolean;
}
