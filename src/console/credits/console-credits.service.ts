import { Injectable } from '@nestjs/common';
import { DateTime } from 'luxon';
import { DataSource } from 'typeorm';
import { Clock, CreditsService, csvCell } from '../../sms';

const CHART_DAYS = 30;
export const LEDGER_PAGE_SIZE = 50;
/** Deeper ledger pages are not offered: the CSV export has everything. */
export const MAX_LEDGER_PAGE = 1000;
/** The CSV export reads the ledger in pages of this many and stops at MAX_EXPORT_ENTRIES (a budget per download). */
const EXPORT_PAGE = 1000;
export const MAX_EXPORT_ENTRIES = 100_000;

const ENTRY_LABELS: Record<string, string> = {
  monthly_grant: 'Monthly credits',
  monthly_expiry: 'Unused monthly credits expired',
  purchase: 'Pack bought',
  grant: 'Credits given by the platform',
  debit: 'Text sent',
  refund: 'Refund for a text not sent',
};

const KIND_LABELS: Record<string, string> = {
  initial_problem: 'Ticket opened',
  ticket_update: 'Ticket update',
  after_hours: 'After-hours reply',
  conversation_reply: 'Inbox reply',
  reply: "Customer's text",
  help: 'HELP from a customer',
  opt_out: 'STOP from a customer',
  opt_in: 'START from a customer',
};

/** One ledger row as people read it: what happened, on which ticket, by whom. */
export interface LedgerRow {
  createdAt: Date;
  kind: string;
  label: string;
  bucket: string;
  period: string;
  amount: number;
  ticketId: string | null;
  ticketNumber: number | null;
  to: string | null;
  userName: string | null;
}
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

  async page(accountId: string, timezone: string, ledgerPage = 1) {
    const summary = await this.credits.summary(accountId);
    const now = this.clock.now();
    const today = DateTime.fromJSDate(now).setZone(timezone).startOf('day');
    const from = today.minus({ days: CHART_DAYS - 1 });
    const usage = await this.credits.usage(accountId, {
      from: from.toJSDate(),
      to: today.plus({ days: 1 }).toJSDate(),
      groupBy: 'day',
    });
    const usageFrom = from.toJSDate();
    const usageTo = today.plus({ days: 1 }).toJSDate();
    const [byUser, byKind] = await Promise.all([
      this.credits.usage(accountId, { from: usageFrom, to: usageTo, groupBy: 'user' }),
      this.credits.usage(accountId, { from: usageFrom, to: usageTo, groupBy: 'kind' }),
    ]);
    const page = Math.min(MAX_LEDGER_PAGE, Math.max(1, Math.trunc(ledgerPage) || 1));
    const entries = await this.credits.entries(accountId, {
      limit: LEDGER_PAGE_SIZE,
      offset: (page - 1) * LEDGER_PAGE_SIZE,
    });
    const ledgerRows = await this.describe(accountId, entries.entries);
    const names = await this.userNames(
      accountId,
      byUser.rows.map((r) => r.key),
    );
    const pages = Math.max(1, Math.ceil(entries.total / LEDGER_PAGE_SIZE));
    const first = entries.total === 0 ? 0 : (page - 1) * LEDGER_PAGE_SIZE + 1;
    const ledger = {
      total: entries.total,
      sum: entries.sum,
      entries: ledgerRows,
      page,
      pages,
      shown: `${first}–${first + ledgerRows.length - 1} of ${entries.total.toLocaleString('en-US')}`,
      previous: page > 1 ? `/console/credits?page=${page - 1}#ledger-h` : null,
      next: page < Math.min(pages, MAX_LEDGER_PAGE) ? `/console/credits?page=${page + 1}#ledger-h` : null,
    };
    const usageByUser = byUser.rows.map((r) => ({
      ...r,
      name: r.key ? (names.get(r.key) ?? 'Former user') : 'Automatic (no person)',
    }));
    const usageByKind = byKind.rows.map((r) => ({ ...r, name: KIND_LABELS[r.key ?? ''] ?? r.key ?? 'Other' }));
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
      usageByUser,
      usageByKind,
      held,
    };
  }

  /** Every ledger entry, newest first, as CSV lines (header first), read a page at a time up to the budget. */
  async *ledgerCsv(accountId: string, timezone: string, pageSize = EXPORT_PAGE): AsyncGenerator<string> {
    yield csvLine(['when', 'time_zone', 'entry', 'kind', 'bucket', 'period', 'credits', 'ticket', 'to', 'user']);
    // The month's grant or expiry is written when the ledger is first read in a period.
    await this.credits.entries(accountId, { limit: 1, offset: 0 });
    let before: string | null = null;
    for (let read = 0; read < MAX_EXPORT_ENTRIES; read += pageSize) {
      const entries = await this.credits.entriesBefore(accountId, before, pageSize);
      for (const row of await this.describe(accountId, entries)) {
        yield csvLine([
          DateTime.fromJSDate(row.createdAt).setZone(timezone).toISO() ?? '',
          timezone,
          row.label,
          row.kind,
          row.bucket,
          row.period,
          row.amount,
          row.ticketNumber,
          row.to ?? '',
          row.userName ?? '',
        ]);
      }
      if (entries.length < pageSize) return;
      before = entries[entries.length - 1].seq;
    }
  }

  /** Ledger entries with their text's ticket and number, and the person who caused them (one query each). */
  private async describe(accountId: string, entries: CreditEntryLike[]): Promise<LedgerRow[]> {
    const messageIds = [...new Set(entries.map((e) => e.messageId).filter((id): id is string => !!id))];
    const texts = messageIds.length
      ? ((await this.dataSource.query(
          `SELECT m.id, m.to_number, t.id AS ticket_id, t.number AS ticket_number
             FROM sms_messages m LEFT JOIN tickets t ON t.id::text = m.ticket_id AND t.account_id::text = m.account_id
            WHERE m.account_id = $1 AND m.id = ANY($2::uuid[])`,
          [accountId, messageIds],
        )) as { id: string; to_number: string; ticket_id: string | null; ticket_number: number | null }[])
      : [];
    const names = await this.userNames(
      accountId,
      entries.map((e) => e.userId),
    );
    return entries.map((e) => {
      const text = e.messageId ? texts.find((t) => t.id === e.messageId) : undefined;
      return {
        createdAt: e.createdAt,
        kind: e.kind,
        label: ENTRY_LABELS[e.kind] ?? e.kind,
        bucket: e.bucket === 'addon' ? 'add-on' : e.bucket,
        period: e.period,
        amount: e.amount,
        ticketId: text?.ticket_id ?? null,
        ticketNumber: text?.ticket_number ?? null,
        to: text?.to_number ?? null,
        userName: e.userId ? (names.get(e.userId) ?? 'Former user') : null,
      };
    });
  }

  private async userNames(accountId: string, ids: (string | null)[]): Promise<Map<string, string>> {
    const wanted = [...new Set(ids.filter((id): id is string => !!id && /^[0-9a-f-]{36}$/i.test(id)))];
    if (wanted.length === 0) return new Map();
    const rows = (await this.dataSource.query(
      `SELECT id::text AS id, name FROM users WHERE account_id = $1 AND id = ANY($2::uuid[])`,
      [accountId, wanted],
    )) as { id: string; name: string }[];
    return new Map(rows.map((r) => [r.id, r.name]));
  }
}

type CreditEntryLike = {
  createdAt: Date;
  kind: string;
  bucket: string;
  period: string;
  amount: number;
  messageId: string | null;
  userId: string | null;
};

/** One CSV line (RFC 4180, CRLF), cells as the module writes its own CSV: quoted, formulas defused. */
function csvLine(cells: (string | number | null)[]): string {
  return cells.map(csvCell).join(',') + '\r\n';
}
