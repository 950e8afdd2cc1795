import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const TICKET_STATUSES = ['New', 'In Progress', 'Waiting on Customer', 'Customer Reply', 'Resolved'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

@Entity('tickets')
@Index(['accountId', 'number'], { unique: true })
@Index(['accountId', 'customerId', 'status'])
@Index('IDX_tickets_account_updated', ['accountId', 'updatedAt'])
@Index('IDX_tickets_account_assignee', ['accountId', 'assigneeUserId'])
export class Ticket {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  accountId!: string;

  @Column('int')
  number!: number;

  @Column('uuid')
  customerId!: string;

  @Column('text')
  subject!: string;

  @Column('text')
  problem!: string;

  @Column('text', { default: 'New' })
  status!: TicketStatus;

  /** Unguessable token of the customer's portal page for this ticket. */
  @Index({ unique: true })
  @Column('text')
  portalToken!: string;

  @Column('uuid', { nullable: true })
  createdByUserId!: string | null;

  /** Who is working on it; null: nobody yet. */
  @Column('uuid', { nullable: true })
  assigneeUserId!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
