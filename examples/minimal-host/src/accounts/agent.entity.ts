import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type AgentRole = 'owner' | 'agent';

/** Our roles as ticket-sms knows them: owners administer SMS, agents text customers. */
export const smsRole = (role: AgentRole) => (role === 'owner' ? 'admin' : 'technician');

@Entity('agents')
export class Agent {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column('integer')
  accountId!: number;

  @Column('text')
  name!: string;

  @Column('text')
  email!: string;

  /** SHA-256 of the agent's API key, hex; the key itself is shown once and never stored. */
  @Column('text')
  apiKeyHash!: string;

  @Column('text')
  role!: AgentRole;
}
