import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('accounts')
export class Account {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column('text')
  name!: string;

  /** ISO 3166 country: how local phone numbers are read. */
  @Column('text')
  country!: string;

  /** IANA time zone. */
  @Column('text')
  timezone!: string;

  /** The number the account's latest ticket got; tickets are numbered per account. */
  @Column('integer', { default: 0 })
  lastTicketNumber!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
