import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const USER_ROLES = ['admin', 'technician'] as const;
export type UserRole = (typeof USER_ROLES)[number];

@Entity('users')
@Index(['accountId', 'email'], { unique: true })
export class User {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  accountId!: string;

  @Column('text')
  name!: string;

  @Column('text')
  email!: string;

  @Column('text')
  role!: UserRole;

  /** SHA-256 of the bearer token; the token itself is shown once and never stored. */
  @Index({ unique: true })
  @Column('text')
  tokenHash!: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  /** Set: the user can no longer sign in or use their token; their history stays. */
  @Column('timestamptz', { nullable: true })
  deactivatedAt!: Date | null;
}
