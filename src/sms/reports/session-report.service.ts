import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Clock } from '../clock/clock';
import { toCsv } from '../csv/csv';
import { SmsMessage } from '../messages/sms-message.entity';
import { SmsNumber } from '../numbers/sms-number.entity';
import { TICKET_GATEWAY, type TicketGateway } from '../ports/ticket-gateway.port';
import { SmsSettingsService } from '../settings/sms-settings.service';
import { SESSION_TYPES, SessionRow, SessionTotals, sessionType, totals } from './sessions';
import { CLAIMS_NEAR_WINDOW, SESSIONS_SQL } from './reports.queries';

export type SessionGrouping = 'user' | 'number' | 'team' | 'type';

/** A report spans at most this long. */
export const MAX_REPORT_DAYS = 400;
/** A session that starts in the window is followed this far past its end for its later texts. */
const LOOKAHEAD_DAYS = 31;
const DAY_MS = 86_400_000;

export interface SessionGroup extends SessionTotals {
  key: string | null;
  label: string;
}

export interface SessionReport {
  from: Date;
  to: Date;
  groupBy: SessionGrouping;
  sessionGapHours: number;
  types: readonly string[];
  groups: SessionGroup[];
  total: SessionTotals;
}

interface DbSession {
  business_number: string;
  contact_phone: string;
  started_at: Date;
  ended_at: Date;
  first_direction: 'inbound' | 'outbound';
  messages: number;
  inbound_messages: number;
  outbound_messages: number;
  segments: number;
  credits: number;
  first_agent: string | null;
  first_inbound_at: Date | null;
  first_response_at: Date | null;
}

/**
 * Messaging sessions: one conversation from its first text until it has been idle for the session gap (the account's
 * `sessionGapHours`, default 24), counted by type (`Messaging Inbound (SMS Direct)` …), with their texts, segments,
 * credits, median first-response time, claims and transfers, grouped by user, number, team or type. A session belongs
 * to the window it starts in. Its user is the first person who wrote in it (else a direct number's agent); its team
 * that of a team number; its type follows the number's kind as it is now.
 */
@Injectable()
export class SessionReports {
  constructor(
    @InjectRepository(SmsMessage) private readonly messages: Repository<SmsMessage>,
    @InjectRepository(SmsNumber) private readonly numbers: Repository<SmsNumber>,
    @Inject(TICKET_GATEWAY) private readonly gateway: TicketGateway,
    private readonly settings: SmsSettingsService,
    private readonly clock: Clock,
  ) {}

  async sessions(
    accountId: string,
    query: { from?: Date; to?: Date; groupBy: SessionGrouping; gapHours?: number },
  ): Promise<SessionReport> {
    const to = query.to ?? this.clock.now();
    const from = query.from ?? new Date(to.getTime() - 7 * DAY_MS);
    if (from.getTime() >= to.getTime()) throw new BadRequestException('from must be before to');
    if (to.getTime() - from.getTime() > MAX_REPORT_DAYS * DAY_MS)
      throw new BadRequestException(`A report spans at most ${MAX_REPORT_DAYS} days`);
    const gapHours = query.gapHours ?? (await this.settings.get(accountId)).sessionGapHours;

    const found = (await this.messages.query(SESSIONS_SQL, [
      accountId,
      from,
      to,
      gapHours,
      LOOKAHEAD_DAYS,
    ])) as DbSession[];
    const numbers = new Map((await this.numbers.find({ where: { accountId } })).map((n) => [n.number, n]));
    const claims = await this.claimsOf(accountId, from, to, gapHours);
    const gapMs = gapHours * 3600_000;

    const rows: SessionRow[] = found.map((s) => {
      const number = numbers.get(s.business_number);
      // A number that left the account counts as shared: nobody in particular holds it any more.
      const kind = number?.kind ?? 'shared';
      const inSession = claims.filter(
        (c) =>
          c.business_number === s.business_number &&
          c.contact_phone === s.contact_phone &&
          c.created_at.getTime() >= s.started_at.getTime() &&
          c.created_at.getTime() < s.ended_at.getTime() + gapMs,
      );
      return {
        type: sessionType(s.first_direction, kind),
        userKey: s.first_agent ?? (kind === 'direct' ? (number?.userId ?? null) : null),
        numberKey: s.business_number,
        teamKey: kind === 'group' ? (number?.teamId ?? null) : null,
        messages: s.messages,
        inboundMessages: s.inbound_messages,
        outboundMessages: s.outbound_messages,
        segments: s.segments,
        credits: s.credits,
        firstResponseSeconds:
          s.first_inbound_at && s.first_response_at
            ? Math.round((s.first_response_at.getTime() - s.first_inbound_at.getTime()) / 1000)
            : null,
        claims: inSession.filter((c) => c.via !== 'transfer').length,
        transfers: inSession.filter((c) => c.via === 'transfer').length,
      };
    });

    const keyOf = (r: SessionRow): string | null =>
      ({ user: r.userKey, number: r.numberKey, team: r.teamKey, type: r.type })[query.groupBy];
    const keys = query.groupBy === 'type' ? [...SESSION_TYPES] : [...new Set(rows.map(keyOf))];
    const groups: SessionGroup[] = [];
    for (const key of keys) {
      groups.push({
        key,
        label: await this.label(accountId, query.groupBy, key, numbers),
        ...totals(rows.filter((r) => keyOf(r) === key)),
      });
    }
    groups.sort((a, b) =>
      query.groupBy === 'type' ? 0 : a.key === null ? 1 : b.key === null ? -1 : a.label.localeCompare(b.label),
    );
    return {
      from,
      to,
      groupBy: query.groupBy,
      sessionGapHours: gapHours,
      types: SESSION_TYPES,
      groups,
      total: totals(rows),
    };
  }

  /** The report as CSV: one line per group, then the total. */
  static toCsv(report: SessionReport): string {
    const line = (group: string, key: string | null, t: SessionTotals) => [
      group,
      key,
      t.sessions,
      ...SESSION_TYPES.map((type) => t.byType[type]),
      t.messages,
      t.inboundMessages,
      t.outboundMessages,
      t.segments,
      t.credits,
      t.medianFirstResponseSeconds,
      t.claims,
      t.transfers,
    ];
    return toCsv(
      [
        report.groupBy,
        `${report.groupBy}_key`,
        'sessions',
        ...SESSION_TYPES,
        'messages',
        'inbound_messages',
        'outbound_messages',
        'segments',
        'credits',
        'median_first_response_seconds',
        'claims',
        'transfers',
      ],
      [...report.groups.map((g) => line(g.label, g.key, g)), line('Total', null, report.total)],
    );
  }

  /** Claims and transfers near the window, with their conversation; placed in sessions by their database time. */
  private async claimsOf(accountId: string, from: Date, to: Date, gapHours: number) {
    return (await this.messages.query(CLAIMS_NEAR_WINDOW, [accountId, from, to, LOOKAHEAD_DAYS, gapHours])) as {
      business_number: string;
      contact_phone: string;
      via: string;
      created_at: Date;
    }[];
  }

  private async label(
    accountId: string,
    groupBy: SessionGrouping,
    key: string | null,
    numbers: Map<string, SmsNumber>,
  ): Promise<string> {
    if (groupBy === 'type') return key ?? '';
    if (key === null) return { user: '(nobody)', number: '(none)', team: '(no team)' }[groupBy];
    if (groupBy === 'user') return (await this.gateway.getUser(accountId, key))?.name ?? '(former user)';
    if (groupBy === 'team') return (await this.gateway.getTeam(accountId, key))?.name ?? '(former team)';
    const number = numbers.get(key);
    return number ? `${number.label} (${key})` : key;
  }
}
