import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A console user's scrypt password hash; users without a row sign in to the API with their token only. */
@Entity('console_passwords')
export class ConsolePassword {
  @PrimaryColumn('uuid')
  userId!: string;

  @Column('uuid')
  accountId!: string;

  @Column('text')
  passwordHash!: string;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
