import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity('team_members')
export class TeamMember {
  @PrimaryColumn('uuid')
  teamId!: string;

  @PrimaryColumn('uuid')
  @Index()
  userId!: string;

  @Column('uuid')
  accountId!: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
