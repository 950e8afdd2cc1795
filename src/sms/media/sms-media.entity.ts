import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type MediaStatus = 'pending' | 'stored' | 'rejected';

/**
 * One MMS item of an inbound message: where it came from and either the stored clean copy and thumbnail
 * or why it was left out. Unique per (message, position), so a re-run never stores a file twice.
 */
@Entity('sms_media')
@Index(['messageId', 'position'], { unique: true })
export class SmsMedia {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  accountId!: string;

  @Column('uuid')
  messageId!: string;

  /** 0-based, as in MediaUrl0, MediaUrl1, … */
  @Column('smallint')
  position!: number;

  /** The provider's media URL; null for sandbox uploads. */
  @Column('text', { nullable: true })
  sourceUrl!: string | null;

  /** What the provider said the type was; never trusted, kept for the record. */
  @Column('text', { nullable: true })
  declaredContentType!: string | null;

  @Column('text', { default: 'pending' })
  status!: MediaStatus;

  /** Detected from the bytes. */
  @Column('text', { nullable: true })
  contentType!: string | null;

  /** Bytes of the stored copy. */
  @Column('int', { nullable: true })
  size!: number | null;

  @Column('int', { nullable: true })
  width!: number | null;

  @Column('int', { nullable: true })
  height!: number | null;

  /** Below STORAGE_DIR: the auto-oriented copy without metadata. */
  @Column('text', { nullable: true })
  storageKey!: string | null;

  @Column('text', { nullable: true })
  thumbnailKey!: string | null;

  @Column('text', { nullable: true })
  thumbnailContentType!: string | null;

  /** not_an_image, unsupported_type, too_many_pixels, corrupt, too_large, host_not_allowed, address_not_allowed, download_failed. */
  @Column('text', { nullable: true })
  rejectionReason!: string | null;

  /** In plain words, for the comment: "the file is a PDF document, not a picture". */
  @Column('text', { nullable: true })
  rejectionDetail!: string | null;

  @Column('timestamptz', { nullable: true })
  providerDeletedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
