import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, MoreThan, Repository } from 'typeorm';
import { Clock } from '../clock/clock';
import { ConversationClaim } from '../conversations/conversation-claim.entity';
import { ConversationWait } from '../conversations/conversation-wait.entity';
import { TICKET_GATEWAY, type TicketGateway } from '../ports/ticket-gateway.port';
import { SmsSettingsService } from '../settings/sms-settings.service';
import { AgentAvailability, AgentStatus } from './agent-availability.entity';
import { missedStreak, Streak, unresponsiveStreak } from './availability-rules';

export interface AvailabilityView {
  userId: string;
  status: AgentStatus;
  /** When the status began; null for an agent who has always been available. */
  since: Date | null;
  reason: string | null;
  missedInARow: number;
  lapsedInARow: number;
  thresholds: { missed: number; unresponsive: number; responseTimeMinutes: number };
}

const NEVER = new Date(0);
/** Waits and claims read per evaluation: far more than any threshold (at most 100). */
const RECENT_OUTCOMES = 500;

/**
 * Agent availability for direct numbers, as contact centres know it. Counted from what happened since the agent was
 * last available: `missed` after `missedThreshold` direct conversations in a row left unanswered past the response
 * time, `unresponsive` after `unresponsiveThreshold` claims in a row left to lapse without a reply. The status sticks
 * until the agent sets themselves available again; meanwhile texts to their direct numbers also reach their teams.
 */
@Injectable()
export class AvailabilityService {
  constructor(
    @InjectRepository(AgentAvailability) private readonly availability: Repository<AgentAvailability>,
    @InjectRepository(ConversationWait) private readonly waits: Repository<ConversationWait>,
    @InjectRepository(ConversationClaim) private readonly claims: Repository<ConversationClaim>,
    @Inject(TICKET_GATEWAY) private readonly gateway: TicketGateway,
    private readonly settings: SmsSettingsService,
    private readonly clock: Clock,
  ) {}

  /** The agent's status now; a threshold reached since they were last available is recorded here. */
  async statusOf(accountId: string, userId: string, tx?: EntityManager): Promise<AvailabilityView> {
    const db = tx ?? this.availability.manager;
    const now = this.clock.now();
    const settings = await this.settings.get(accountId, tx);
    const thresholds = {
      missed: settings.missedThreshold,
      unresponsive: settings.unresponsiveThreshold,
      responseTimeMinutes: settings.responseTimeMinutes,
    };
    const row = await db.getRepository(AgentAvailability).findOne({ where: { accountId, userId } });
    const since = row?.changedAt ?? NEVER;
    // Every text to a direct number is evaluated here, so a run that reached the threshold is seen by the next one:
    // the latest outcomes suffice, however long the agent has been available.
    const recent = { take: RECENT_OUTCOMES };
    const waits = await db.getRepository(ConversationWait).find({
      where: { accountId, directUserId: userId, startedAt: MoreThan(since) },
      order: { startedAt: 'DESC' },
      ...recent,
    });
    const claims = await db
      .getRepository(ConversationClaim)
      .find({ where: { accountId, userId, claimedAt: MoreThan(since) }, order: { claimedAt: 'DESC' }, ...recent });
    const missed = missedStreak(waits, settings.responseTimeMinutes * 60_000, settings.missedThreshold, now);
    const lapsed = unresponsiveStreak(claims, settings.unresponsiveThreshold, now);
    const view = (status: AgentStatus, at: Date | null, reason: string | null): AvailabilityView => ({
      userId,
      status,
      since: at,
      reason,
      missedInARow: missed.inARow,
      lapsedInARow: lapsed.inARow,
      thresholds,
    });
    if (row && row.status !== 'available') return view(row.status, row.changedAt, row.reason);

    const change = this.firstReached(missed, lapsed, settings.responseTimeMinutes);
    if (!change) return view('available', row?.changedAt ?? null, null);
    // Only an available agent changes here: two evaluations at once record the change once.
    await db.query(
      `INSERT INTO sms_agent_availability (account_id, user_id, status, changed_at, reason) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (account_id, user_id) DO UPDATE SET status = EXCLUDED.status, changed_at = EXCLUDED.changed_at, reason = EXCLUDED.reason
       WHERE sms_agent_availability.status = 'available'`,
      [accountId, userId, change.status, change.at, change.reason],
    );
    await this.routeWaitingToTeams(db, accountId, userId, tx);
    return view(change.status, change.at, change.reason);
  }

  /** 404 for a user of another account. */
  async assertUser(accountId: string, userId: string): Promise<void> {
    if (!(await this.gateway.getUser(accountId, userId))) throw new NotFoundException('No such user in this account');
  }

  /** The agent is back: their direct numbers' texts reach them alone again, and the counts start afresh. */
  async setAvailable(accountId: string, userId: string): Promise<AvailabilityView> {
    await this.assertUser(accountId, userId);
    await this.availability.upsert(
      { accountId, userId, status: 'available', changedAt: this.clock.now(), reason: null },
      ['accountId', 'userId'],
    );
    return this.statusOf(accountId, userId);
  }

  /** The agent steps away: until they are available again, their direct numbers' texts also reach their teams. */
  async setAway(accountId: string, userId: string): Promise<AvailabilityView> {
    await this.assertUser(accountId, userId);
    await this.availability.manager.transaction(async (tx) => {
      await tx
        .getRepository(AgentAvailability)
        .upsert({ accountId, userId, status: 'away', changedAt: this.clock.now(), reason: 'Set themselves away' }, [
          'accountId',
          'userId',
        ]);
      await this.routeWaitingToTeams(tx, accountId, userId, tx);
    });
    return this.statusOf(accountId, userId);
  }

  private firstReached(
    missed: Streak,
    lapsed: Streak,
    responseTimeMinutes: number,
  ): { status: AgentStatus; at: Date; reason: string } | null {
    const candidates = [
      missed.reachedAt && {
        status: 'missed' as const,
        at: missed.reachedAt,
        reason: `Left ${missed.inARow} direct conversations in a row unanswered for more than ${responseTimeMinutes} minutes`,
      },
      lapsed.reachedAt && {
        status: 'unresponsive' as const,
        at: lapsed.reachedAt,
        reason: `Let ${lapsed.inARow} claimed conversations in a row lapse without replying`,
      },
    ].filter((c): c is { status: 'missed' | 'unresponsive'; at: Date; reason: string } => Boolean(c));
    candidates.sort((a, b) => a.at.getTime() - b.at.getTime());
    return candidates[0] ?? null;
  }

  /** The texts that made the agent unavailable are still waiting: their teams see those threads too from now on. */
  private async routeWaitingToTeams(
    db: EntityManager,
    accountId: string,
    userId: string,
    tx?: EntityManager,
  ): Promise<void> {
    const teamIds = (await this.gateway.getUser(accountId, userId, tx))?.teamIds ?? [];
    if (teamIds.length === 0) return;
    await db.query(
      `UPDATE sms_conversations c SET routed_team_ids = ARRAY(SELECT DISTINCT unnest(c.routed_team_ids || $3::text[]))
        WHERE c.account_id = $1 AND c.waiting_since IS NOT NULL
          AND EXISTS (SELECT 1 FROM sms_numbers n WHERE n.account_id = $1 AND n.number = c.business_number AND n.kind = 'direct' AND n.user_id = $2)`,
      [accountId, userId, teamIds],
    );
  }
}
