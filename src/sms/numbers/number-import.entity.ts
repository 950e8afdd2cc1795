import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One refused line of a bulk assignment file. */
export interface NumberImportError {
  line: number;
  number: string;
  userEmail: string | null;
  team: string | null;
  reason: string;
}

/** A bulk assignment file as applied: counts and the refused lines, kept so the error log can be downloaded. */
@Entity('sms_number_imports')
@Index('IDX_sms_number_imports_account', ['accountId', 'createdAt'])
export class NumberImport {
  @PrimaryGeneratedColumn('uuid', { name: 'id' })
  id!: string;

  @Column('text', { name: 'account_id' })
  accountId!: string;

  @Column('text', { name: 'created_by_user_id', nullable: true })
  createdByUserId!: string | null;

  /** Data lines in the file (the header not counted). */
  @Column('int', { name: 'rows' })
  rows!: number;

  @Column('int', { name: 'applied' })
  applied!: number;

  @Column('int', { name: 'failed' })
  failed!: number;

  @Column('jsonb', { name: 'errors' })
  errors!: NumberImportError[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
