import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('accounts')
export class Account {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  /** Region used to read phone numbers typed without a country code. */
  @Column('char', { length: 2, default: 'US' })
  defaultCountry!: string;

  /** IANA time zone; credit periods and business hours are computed in it. */
  @Column('text', { default: 'America/New_York' })
  timezone!: string;

  @Column('timestamptz', { default: () => 'now()' })
  subscribedAt!: Date;

  /** The next ticket number; taken with UPDATE … RETURNING so numbers never repeat. */
  @Column('int', { default: 1000 })
  nextTicketNumber!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
