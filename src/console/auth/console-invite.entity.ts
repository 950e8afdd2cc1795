import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A one-time link with which a user chooses their first (or a new) password. */
@Entity('console_invites')
export class ConsoleInvite {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text')
  tokenHash!: string;

  @Column('uuid')
  userId!: string;

  @Column('uuid')
  accountId!: string;

  @Column('uuid', { nullable: true })
  createdByUserId!: string | null;

  @Column('timestamptz')
  createdAt!: Date;

  @Column('timestamptz')
  expiresAt!: Date;

  @Column('timestamptz', { nullable: true })
  usedAt!: Date | null;
}
