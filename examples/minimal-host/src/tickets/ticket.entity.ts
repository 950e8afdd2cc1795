import { Column, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type TicketStatus = 'open' | 'pending' | 'customer_replied' | 'closed';

@Entity('tickets')
export class Ticket {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column('integer')
  accountId!: number;

  /** Numbered from 1 in each account. */
  @Column('integer')
  number!: number;

  @Column('integer')
  customerId!: number;

  @Column('text')
  subject!: string;

  @Column('text')
  description!: string;

  @Column('text', { default: 'open' })
  status!: TicketStatus;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
