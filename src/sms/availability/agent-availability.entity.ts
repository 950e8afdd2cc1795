import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * `away`: the agent said so; `missed`: left direct conversations unanswered; `unresponsive`: let claims lapse without
 * replying.
 */
export const AGENT_STATUSES = ['available', 'away', 'missed', 'unresponsive'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

/** An agent's availability for their direct numbers; no row means available since they joined. */
@Entity('sms_agent_availability')
@Check('CHK_sms_agent_availability_status', "status IN ('available', 'away', 'missed', 'unresponsive')")
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
