import { Column, CreateDateColumn, Entity, Index, OneToMany, PrimaryGeneratedColumn } from 'typeorm';
import { CustomerPhone } from './customer-phone.entity';

@Entity('customers')
@Index(['accountId', 'createdAt'])
export class Customer {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  accountId!: string;

  @Column('text')
  name!: string;

  @Column('text', { nullable: true })
  email!: string | null;

  @Column('boolean', { default: true })
  smsEnabled!: boolean;

  @OneToMany(() => CustomerPhone, (phone) => phone.customer, { cascade: ['insert'] })
  phones!: CustomerPhone[];

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
