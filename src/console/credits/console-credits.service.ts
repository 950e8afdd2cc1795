import { Injectable } from '@nestjs/common';
import { DateTime } from 'luxon';
import { DataSource } from 'typeorm';
import { Clock, CreditsService } from '../../sms';

const CHART_DAYS = 30;
const CHART = { width: 600, height: 160, top: 12, bottom: 22 };

export interface UsageBar {
  day: string;
  label: string;
  credits: number;
  x: number;
  y: number;
  width: number;
  height: number;
  showLabel: boolean;
  last: boolean;
  labelX: number;
}

/** The credits page: balances, a 30-day usage chart, the ledger and texts waiting for credit. */
@Injectable()
export class ConsoleCreditsService {
  constructor(
    private readonly credits: CreditsService,
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  async page(accountId: string, timezone: string) {
    const summary = await this.credits.summary(accountId);
    const now = this.clock.now();
    const today = DateTime.fromJSDate(now).setZone(timezone).startOf('day');
    const from = today.minus({ days: CHART_DAYS - 1 });
    const usage = await this.credits.usage(accountId, {
      from: from.toJSDate(),
      to: today.plus({ days: 1 }).toJSDate(),
      groupBy: 'day',
    });
    const ledger = await this.credits.entries(accountId, { limit: 50, offset: 0 });
    const held = (await this.dataSource.query(
      `SELECT m.id, m.to_number, m.body, m.segments, m.created_at, t.id AS ticket_id, t.number AS ticket_number
         FROM sms_messages m LEFT JOIN tickets t ON t.id::text = m.ticket_id AND t.account_id::text = m.account_id
        WHERE m.account_id = $1 AND m.status = 'held_no_credit' ORDER BY m.created_at LIMIT 50`,
      [accountId],
    )) as {
      id: string;
      to_number: string;
      body: string;
      segments: number;
      created_at: Date;
      ticket_id: string | null;
      ticket_number: number | null;
    }[];
    const days = Array.from({ length: CHART_DAYS }, (_, i) => from.plus({ days: i }));
    const byDay = new Map(usage.rows.map((r) => [r.key, r.credits]));
    const max = Math.max(1, ...usage.rows.map((r) => r.credits));
    const slot = CHART.width / CHART_DAYS;
    const plot = CHART.height - CHART.top - CHART.bottom;
    const bars: UsageBar[] = days.map((d, i) => {
      const credits = byDay.get(d.toISODate()) ?? 0;
      const height = Math.round((credits / max) * plot);
      return {
        day: d.toISODate() ?? '',
        label: d.toFormat('d LLL'),
        credits,
        x: Math.round(i * slot + 2),
        y: CHART.top + plot - height,
        width: Math.max(2, Math.round(slot - 4)),
        height,
        showLabel: i % 5 === 0 || i === CHART_DAYS - 1,
        last: i === CHART_DAYS - 1,
        labelX: i === CHART_DAYS - 1 ? CHART.width : Math.round(i * slot + 2),
      };
    });
    return {
      summary,
      remaining: summary.balance.monthlyRemaining + summary.balance.addonRemaining,
      chart: { ...CHART, bars, max, axisY: CHART.height - CHART.bottom, labelY: CHART.height - 6, total: usage.total },
      ledger,
      held,
    };
  }
}
