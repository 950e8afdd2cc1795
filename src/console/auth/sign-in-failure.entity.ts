import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One refused sign-in, counted per email and client address to slow down password guessing. */
@Entity('console_sign_in_failures')
export class SignInFailure {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column('text')
  email!: string;

  @Column('text')
  ip!: string;

  @Column('timestamptz')
  failedAt!: Date;
}
