import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, MoreThan, Repository } from 'typeorm';
import { Clock } from '../clock/clock';
import { ConversationClaim } from '../conversations/conversation-claim.entity';
import { ConversationWait } from '../conversations/conversation-wait.entity';
import { TICKET_GATEWAY, type TicketGateway } from '../ports/ticket-gateway.port';
import { SmsEvents } from '../conversations/sms-events.service';
import { SmsSettingsService } from '../settings/sms-settings.service';
import { AgentAvailability, AgentStatus } from './agent-availability.entity';
import { missedStreak, Streak, unresponsiveStreak } from './availability-rules';
import { MARK_UNAVAILABLE, ROUTE_WAITING_TO_TEAMS } from './availability.queries';

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
 * time, `unresponsive` after `unresponsiveThreshold` claims in a row left to lapse without a reply, evaluated by the
 * timers when a deadline passes or a claim lapses; `away` when the agent says so. The status sticks until the agent
 * sets themselves available again; meanwhile texts to their direct numbers also reach their teams.
 */
@Injectable()
export class AvailabilityService {
  constructor(
    @InjectRepository(AgentAvailability) private readonly availability: Repository<AgentAvailability>,
    @InjectRepository(ConversationWait) private readonly waits: Repository<ConversationWait>,
    @InjectRepository(ConversationClaim) private readonly claims: Repository<ConversationClaim>,
    @Inject(TICKET_GATEWAY) private readonly gateway: TicketGateway,
    private readonly settings: SmsSettingsService,
    private readonly events: SmsEvents,
    private readonly clock: Clock,
  ) {}

  /**
   * The agent's status as recorded, with their runs since it began: reading it changes nothing, whoever reads it.
   */
  async statusOf(accountId: string, userId: string, tx?: EntityManager): Promise<AvailabilityView> {
    const db = tx ?? this.availability.manager;
    const { row, missed, lapsed, thresholds } = await this.current(db, accountId, userId);
    return {
      userId,
      status: row?.status ?? 'available',
      since: row?.changedAt ?? null,
      reason: row?.reason ?? null,
      missedInARow: missed.inARow,
      lapsedInARow: lapsed.inARow,
      thresholds,
    };
  }

  /** Only the recorded status, for each text to a direct number (the runs are not needed to route it). */
  async recordedStatus(accountId: string, userId: string, tx?: EntityManager): Promise<AgentStatus> {
    const row = await (tx ?? this.availability.manager)
      .getRepository(AgentAvailability)
      .findOne({ where: { accountId, userId } });
    return row?.status ?? 'available';
  }

  /**
   * Run by the timers when a response deadline passes or a claim lapses: an available agent whose run reached a
   * threshold becomes `missed` or `unresponsive`, their waiting direct threads reach their teams, and everyone
   * concerned hears of it. Two evaluations at once record the change once.
   */
  async evaluate(accountId: string, userId: string): Promise<void> {
    await this.availability.manager.transaction(async (tx) => {
      const { row, missed, lapsed, thresholds } = await this.current(tx, accountId, userId);
      if (row && row.status !== 'available') return;
      const change = this.firstReached(missed, lapsed, thresholds.responseTimeMinutes);
      if (!change) return;
      const changed = (await tx.query(MARK_UNAVAILABLE, [
        accountId,
        userId,
        change.status,
        change.at,
        change.reason,
      ])) as unknown[];
      if (changed.length === 0) return;
      await this.announce(tx, accountId, userId, change.status, change.reason);
    });
  }

  /** 404 for a user of another account. */
  async assertUser(accountId: string, userId: string): Promise<void> {
    if (!(await this.gateway.getUser(accountId, userId))) throw new NotFoundException('No such user in this account');
  }

  /**
   * The agent says where they are. `away`: their direct numbers' texts also reach their teams, the threads waiting
   * now included; `available`: they reach them alone again, and the counts start afresh.
   */
  async setStatus(accountId: string, userId: string, status: 'available' | 'away'): Promise<AvailabilityView> {
    await this.assertUser(accountId, userId);
    await this.availability.manager.transaction(async (tx) => {
      const before = await tx
        .getRepository(AgentAvailability)
        .findOne({ where: { accountId, userId }, lock: { mode: 'pessimistic_write' } });
      const reason = status === 'away' ? 'Set themselves away' : null;
      await tx
        .getRepository(AgentAvailability)
        .upsert({ accountId, userId, status, changedAt: this.clock.now(), reason }, ['accountId', 'userId']);
      if ((before?.status ?? 'available') !== status) await this.announce(tx, accountId, userId, status, reason);
    });
    return this.statusOf(accountId, userId);
  }

  /** The agent's record and runs since they were last available. */
  private async current(db: EntityManager, accountId: string, userId: string) {
    const settings = await this.settings.get(accountId, db);
    const thresholds = {
      missed: settings.missedThreshold,
      unresponsive: settings.unresponsiveThreshold,
      responseTimeMinutes: settings.responseTimeMinutes,
    };
    const row = await db.getRepository(AgentAvailability).findOne({ where: { accountId, userId } });
    const since = row?.changedAt ?? NEVER;
    // Each deadline and lapse is evaluated when due, so a run that reached the threshold is seen by the next one:
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
    const now = this.clock.now();
    return {
      row,
      thresholds,
      missed: missedStreak(waits, settings.responseTimeMinutes * 60_000, settings.missedThreshold, now),
      lapsed: unresponsiveStreak(claims, settings.unresponsiveThreshold, now),
    };
  }

  /**
   * Tells the agent, their teams and admins that the status changed and, while the agent is not available, sends
   * their waiting direct threads to their teams too (`conversation.routed` for each).
   */
  private async announce(
    tx: EntityManager,
    accountId: string,
    userId: string,
    status: AgentStatus,
    reason: string | null,
  ): Promise<void> {
    const now = this.clock.now();
    const teamIds = (await this.gateway.getUser(accountId, userId, tx))?.teamIds ?? [];
    const audience = { accountId, userIds: [userId], teamIds, allMembers: false };
    this.events.afterCommit(
      tx,
      SmsEvents.event(
        'availability.changed',
        audience,
        { userId, status, reason, textsAlsoReachTeams: status !== 'available' },
        now,
      ),
    );
    if (status === 'available' || teamIds.length === 0) return;
    for (const conversationId of await this.routeWaitingToTeams(tx, accountId, userId, teamIds)) {
      this.events.afterCommit(
        tx,
        SmsEvents.event('conversation.routed', audience, { conversationId, userId, teamIds, reason: status }, now),
      );
    }
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

  /** The threads waiting on the agent's direct numbers: their teams see them too from now on. Returns their ids. */
  private async routeWaitingToTeams(
    tx: EntityManager,
    accountId: string,
    userId: string,
    teamIds: string[],
  ): Promise<string[]> {
    const [rows] = (await tx.query(ROUTE_WAITING_TO_TEAMS, [accountId, userId, teamIds])) as [{ id: string }[], number];
    return rows.map((r) => r.id);
  }
}
