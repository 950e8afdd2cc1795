import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * `missed`: left direct conversations unanswered; `unresponsive`: let claims lapse without replying; `away`: the agent
 * said so themselves.
 */
export const AGENT_STATUSES = ['available', 'missed', 'unresponsive', 'away'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

/** An agent's availability for their direct numbers; no row means available since they joined. */
@Entity('sms_agent_availability')
@Check('CHK_sms_agent_availability_status', "status IN ('available', 'missed', 'unresponsive', 'away')")
export class AgentAvailability {
  @PrimaryColumn('text', { name: 'account_id' })
  accountId!: string;

  @PrimaryColumn('text', { name: 'user_id' })
  userId!: string;

  @Column('text', { name: 'status' })
  status!: AgentStatus;

  /** Clock time of the change; the rules count what happened after the agent last became available. */
  @Column('timestamptz', { name: 'changed_at' })
  changedAt!: Date;

  @Column('text', { name: 'reason', nullable: true })
  reason!: string | null;
}
