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
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  accountId!: string;

  @Column('uuid', { nullable: true })
  createdByUserId!: string | null;

  /** Data lines in the file (the header not counted). */
  @Column('int')
  rows!: number;

  @Column('int')
  applied!: number;

  @Column('int')
  failed!: number;

  @Column('jsonb')
  errors!: NumberImportError[];

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
