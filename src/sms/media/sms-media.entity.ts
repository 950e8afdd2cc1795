import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type MediaStatus = 'pending' | 'stored' | 'rejected';

/**
 * One MMS item of an inbound message: where it came from and either the stored clean copy and thumbnail
 * or why it was left out. Unique per (message, position), so a re-run never stores a file twice.
 */
@Entity('sms_media')
@Index(['messageId', 'position'], { unique: true })
export class SmsMedia {
  @PrimaryGeneratedColumn('uuid', { name: 'id' })
  id!: string;

  @Column('text', { name: 'account_id' })
  accountId!: string;

  @Column('uuid', { name: 'message_id' })
  messageId!: string;

  /** 0-based: the item's place in the inbound message's media. */
  @Column('smallint', { name: 'position' })
  position!: number;

  /** The provider's media URL; null for sandbox uploads. */
  @Column('text', { name: 'source_url', nullable: true })
  sourceUrl!: string | null;

  /** What the provider said the type was; never trusted, kept for the record. */
  @Column('text', { name: 'declared_content_type', nullable: true })
  declaredContentType!: string | null;

  @Column('text', { name: 'status', default: 'pending' })
  status!: MediaStatus;

  /** Detected from the bytes. */
  @Column('text', { name: 'content_type', nullable: true })
  contentType!: string | null;

  /** Bytes of the stored copy. */
  @Column('int', { name: 'size', nullable: true })
  size!: number | null;

  @Column('int', { name: 'width', nullable: true })
  width!: number | null;

  @Column('int', { name: 'height', nullable: true })
  height!: number | null;

  /** Below STORAGE_DIR: the auto-oriented copy without metadata. */
  @Column('text', { name: 'storage_key', nullable: true })
  storageKey!: string | null;

  @Column('text', { name: 'thumbnail_key', nullable: true })
  thumbnailKey!: string | null;

  @Column('text', { name: 'thumbnail_content_type', nullable: true })
  thumbnailContentType!: string | null;

  /** not_an_image, unsupported_type, too_many_pixels, corrupt, too_large, host_not_allowed, address_not_allowed, download_failed. */
  @Column('text', { name: 'rejection_reason', nullable: true })
  rejectionReason!: string | null;

  /** In plain words, for the comment: "the file is a PDF document, not a picture". */
  @Column('text', { name: 'rejection_detail', nullable: true })
  rejectionDetail!: string | null;

  @Column('timestamptz', { name: 'provider_deleted_at', nullable: true })
  providerDeletedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
