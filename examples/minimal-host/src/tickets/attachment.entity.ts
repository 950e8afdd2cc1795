import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('attachments')
export class Attachment {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column('integer')
  commentId!: number;

  @Column('text')
  fileName!: string;

  /** Where the file is, below the storage directory. */
  @Column('text')
  storageKey!: string;

  @Column('text', { nullable: true })
  thumbnailKey!: string | null;

  @Column('text')
  contentType!: string;

  @Column('integer')
  size!: number;

  @Column('boolean')
  isPublic!: boolean;
}
