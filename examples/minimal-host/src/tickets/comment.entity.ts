import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type AuthorKind = 'agent' | 'customer' | 'system';

@Entity('comments')
export class Comment {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column('integer')
  ticketId!: number;

  @Column('integer')
  accountId!: number;

  @Column('text')
  authorKind!: AuthorKind;

  /** The agent who wrote it, for agents' comments. */
  @Column('integer', { nullable: true })
  agentId!: number | null;

  @Column('text')
  body!: string;

  /** Public comments are the customer's to see; private ones are notes between agents. */
  @Column('boolean')
  isPublic!: boolean;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
