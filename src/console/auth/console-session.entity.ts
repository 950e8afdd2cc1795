import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A signed-in browser: the cookie holds a random token whose SHA-256 is `tokenHash`. */
@Entity('console_sessions')
export class ConsoleSession {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text')
  tokenHash!: string;

  @Column('uuid')
  userId!: string;

  @Column('uuid')
  accountId!: string;

  /** Synchronizer token every form and JSON write of this session must echo. */
  @Column('text')
  csrfToken!: string;

  @Column('timestamptz')
  createdAt!: Date;

  @Column('timestamptz')
  lastSeenAt!: Date;

  @Column('timestamptz')
  expiresAt!: Date;
}
