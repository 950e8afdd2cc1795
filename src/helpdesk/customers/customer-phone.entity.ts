import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Customer } from './customer.entity';

export const PHONE_TYPES = ['mobile', 'landline', 'work', 'home', 'fax'] as const;
export type PhoneType = (typeof PHONE_TYPES)[number];

@Entity('customer_phones')
@Index(['accountId', 'number'])
export class CustomerPhone {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  accountId!: string;

  @Column('uuid')
  customerId!: string;

  @ManyToOne(() => Customer, (customer) => customer.phones, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'customer_id' })
  customer!: Customer;

  /** E.164. */
  @Column('text')
  number!: string;

  @Column('text')
  type!: PhoneType;
}
