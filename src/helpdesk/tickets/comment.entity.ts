import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const COMMENT_AUTHORS = ['user', 'customer', 'system'] as const;
export type CommentAuthor = (typeof COMMENT_AUTHORS)[number];

@Entity('comments')
@Index(['ticketId', 'createdAt'])
export class Comment {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  accountId!: string;

  @Column('uuid')
  ticketId!: string;

  @Column('text')
  authorType!: CommentAuthor;

  @Column('uuid', { nullable: true })
  authorUserId!: string | null;

  @Column('uuid', { nullable: true })
  authorCustomerId!: string | null;

  @Column('text')
  body!: string;

  /** The SMS text sent with this update, when there was one. */
  @Column('text', { nullable: true })
  smsBody!: string | null;

  @Column('boolean')
  public!: boolean;

  /** When the comment was written (clock_timestamp(), not the transaction's start): comments sort by it. */
  @CreateDateColumn({ type: 'timestamptz', default: () => 'clock_timestamp()' })
  createdAt!: Date;
}
