import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

@Entity('attachments')
@Index(['commentId'])
@Index(['ticketId'])
export class Attachment {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  accountId!: string;

  @Column('uuid')
  ticketId!: string;

  @Column('uuid')
  commentId!: string;

  @Column('text')
  fileName!: string;

  @Column('text')
  contentType!: string;

  @Column('int')
  size!: number;

  /** Path below STORAGE_DIR. */
  @Column('text')
  storageKey!: string;

  @Column('text', { nullable: true })
  thumbnailKey!: string | null;

  @Column('text', { nullable: true })
  thumbnailContentType!: string | null;

  @Column('boolean')
  public!: boolean;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
