import type { SentMessage } from '../../fakes/fake-twilio';
import { FaultLab } from './fault-lab';
import type { UpdateOutcome } from './load';
import { sleep, waitFor } from './ports';

/** Statuses of a row whose text has not been handed over or refused yet. */
const WAITING = ['pending', 'submitting', 'scheduled', 'held_no_credit'];
/** Statuses of a row the provider took. */
const HANDED_OVER = ['accepted', 'queued', 'sending', 'sent', 'delivered', 'undelivered'];

interface OutboundRow {
  id: string;
  status: string;
  kind: string;
  body: string;
  provider_message_id: string | null;
  to_number: string | null;
  from_number: string | null;
  comment_id: string | null;
  send_id: string;
  part_index: number;
  part_count: number;
  segments: number;
  credits: number;
}

export interface Reconciliation {
  caseName: string;
  rows: number;
  /** Rows the provider took (status accepted … delivered, with its message sid). */
  handedOver: number;
  /** Rows that ended without being sent (failed, opted_out, skipped), with their reasons. */
  notSent: { id: string; status: string; reason: string | null }[];
  /** Messages the fake provider created, ambiguous answers included. */
  providerMessages: number;
  /** Rows handed over whose stored provider sid names no message at the provider (or one with other content). */
  missing: string[];
  /** Provider messages no row accounts for although they were sent for a row: the customer got that text twice. */
  duplicates: { rowId: string; sid: string }[];
  /** Provider messages sent for no row at all. */
  orphans: SentMessage[];
  /**
   * Rows whose message was the one sent for another row with the very same text to the same number (an ambiguous send
   * reconciled against the twin's message, which the twin then sent again). The customer got each text once.
   */
  swapped: number;
  /** Messages.json POSTs per row (a retry after a 429, a resend after an ambiguous failure); no fault: exactly one. */
  attemptsPerRow: Map<string, number>;
  helpdesk: HelpdeskCheck;
  ledger: LedgerCheck | null;
}

export interface HelpdeskCheck {
  updatesAnswered201: number;
  /** Updates the client saw fail (503, cut connection) that were written anyway (their COMMIT had gone through). */
  failedButWritten: number;
  /** Problems: an update answered 201 without exactly one comment and one SMS row, a comment without its row, … */
  problems: string[];
}

export interface LedgerCheck {
  accounts: number;
  debited: number;
  problems: string[];
}

/**
 * Waits until every outbound row has left the waiting statuses, every inbound text is processed, and no job is waiting,
 * active or delayed, then a little longer so a late duplicate would still arrive. Fails with what is still open.
 */
export async function settle(lab: FaultLab, timeoutMs: number): Promise<void> {
  try {
    await waitFor(
      'every SMS row settled and the queues empty',
      async () => {
        const rows = await lab.sql<{ direction: string; status: string; n: number }>(
          `SELECT direction, status, count(*)::int AS n FROM sms_messages GROUP BY direction, status`,
        );
        const open = rows
          .filter((r) => (r.direction === 'outbound' ? WAITING.includes(r.status) : r.status === 'received'))
          .reduce((a, r) => a + r.n, 0);
        const jobs = await lab.jobsInFlight('sms-outbound', 'sms-inbound', 'sms-inbound-media');
        return { open, jobs, byStatus: Object.fromEntries(rows.map((r) => [`${r.direction} ${r.status}`, r.n])) };
      },
      (s) => s.open === 0 && s.jobs === 0,
      timeoutMs,
      250,
    );
  } catch (e) {
    const stuck = await lab
      .sql(
        `SELECT id, direction, kind, status, part_index, part_count, attempts, error_code, error_message, updated_at FROM sms_messages
         WHERE (direction = 'outbound' AND status = ANY($1)) OR (direction = 'inbound' AND status = 'received') ORDER BY created_at LIMIT 5`,
        [WAITING],
      )
      .catch((err: Error) => [{ error: err.message }]);
    throw new Error(`${(e as Error).message}\nrows still open: ${JSON.stringify(stuck, null, 1)}\n${lab.logTails()}`);
  }
  // Longer than the provider timeout: a request still in flight somewhere would have arrived by now.
  await sleep(1500);
}

const markerOf = (text: string | null): string | null => /\[([a-z0-9-]+-\d+)\]/.exec(text ?? '')?.[1] ?? null;

/** The exact accounting of one case: every outbound row against what the fake provider created, the helpdesk, the ledger. */
export async function reconcile(
  lab: FaultLab,
  caseName: string,
  outcomes: UpdateOutcome[] = [],
): Promise<Reconciliation> {
  const rows = await lab.sql<OutboundRow & { error_message: string | null }>(
    `SELECT id, status, kind, body, provider_message_id, to_number, from_number, comment_id, send_id, part_index, part_count, segments, credits, error_message FROM sms_messages WHERE direction = 'outbound'`,
  );
  // Exact accounting is a one-to-one match: every handed-over row stores the sid of one message with its text, and
  // every message the provider created is stored on exactly one row (the database keeps sids unique).
  const sent = lab.twilio.sentMessages();
  const bySid = new Map(sent.map((m) => [m.sid, m]));
  const rowOf = (m: SentMessage) => (m.statusCallback ? new URL(m.statusCallback).searchParams.get('m') : null);
  const ids = new Set(rows.map((r) => r.id));
  const handed = rows.filter((r) => HANDED_OVER.includes(r.status));
  const notSent = rows
    .filter((r) => !HANDED_OVER.includes(r.status))
    .map((r) => ({ id: r.id, status: r.status, reason: r.error_message }));
  const missing: string[] = [];
  let swapped = 0;
  for (const r of handed) {
    const m = r.provider_message_id ? bySid.get(r.provider_message_id) : undefined;
    if (!m) missing.push(`${r.id} (${r.status}, sid ${r.provider_message_id ?? 'none'})`);
    else if (m.body !== r.body || m.to !== r.to_number || m.from !== r.from_number)
      missing.push(`${r.id} (its sid ${m.sid} is another text)`);
    else if (rowOf(m) !== r.id) swapped++;
  }
  const stored = new Set(rows.map((r) => r.provider_message_id).filter((sid): sid is string => sid !== null));
  const unaccounted = sent.filter((m) => !stored.has(m.sid));
  const duplicates = unaccounted.filter((m) => ids.has(rowOf(m) ?? '')).map((m) => ({ rowId: rowOf(m)!, sid: m.sid }));
  const orphans = unaccounted.filter((m) => !ids.has(rowOf(m) ?? ''));
  const attemptsPerRow = new Map<string, number>();
  for (const attempt of lab.twilio.sendAttempts()) {
    const callback = attempt.form.StatusCallback;
    const id = typeof callback === 'string' ? new URL(callback).searchParams.get('m') : null;
    if (id) attemptsPerRow.set(id, (attemptsPerRow.get(id) ?? 0) + 1);
  }

  return {
    caseName,
    rows: rows.length,
    handedOver: handed.length,
    notSent,
    providerMessages: sent.length,
    missing,
    duplicates,
    orphans,
    swapped,
    attemptsPerRow,
    helpdesk: await checkHelpdesk(lab, rows, outcomes),
    ledger: await checkLedger(lab),
  };
}

async function checkHelpdesk(lab: FaultLab, rows: OutboundRow[], outcomes: UpdateOutcome[]): Promise<HelpdeskCheck> {
  const problems: string[] = [];
  // A text is one send: its parts share send_id and must be exactly parts 1..n, each once.
  const sends = new Map<string, OutboundRow[]>();
  for (const r of rows) sends.set(r.send_id, [...(sends.get(r.send_id) ?? []), r]);
  const complete = (parts: OutboundRow[]) =>
    parts.length === parts[0].part_count &&
    parts.every((p, _, all) => all.filter((q) => q.part_index === p.part_index).length === 1);
  for (const [sendId, parts] of sends)
    if (!complete(parts))
      problems.push(`send ${sendId} has parts ${parts.map((p) => `${p.part_index}/${p.part_count}`).join(', ')}`);

  const comments = await lab.sql<{ id: string; sms_body: string | null }>(
    `SELECT id, sms_body FROM comments WHERE sms_body IS NOT NULL`,
  );
  const sendsByComment = new Map<string, Set<string>>();
  for (const r of rows)
    if (r.comment_id) sendsByComment.set(r.comment_id, (sendsByComment.get(r.comment_id) ?? new Set()).add(r.send_id));
  const commentIds = new Set(comments.map((c) => c.id));
  for (const c of comments)
    if (sendsByComment.get(c.id)?.size !== 1)
      problems.push(`comment ${c.id} with an SMS text has ${sendsByComment.get(c.id)?.size ?? 0} sends`);
  for (const r of rows)
    if (r.kind === 'ticket_update' && (!r.comment_id || !commentIds.has(r.comment_id)))
      problems.push(`SMS row ${r.id} belongs to no comment`);
  const [tickets] = await lab.sql<{ without: number }>(
    `SELECT count(*)::int AS without FROM tickets t
     WHERE (SELECT count(DISTINCT m.send_id) FROM sms_messages m WHERE m.ticket_id = t.id::text AND m.kind = 'initial_problem') <> 1`,
  );
  if (tickets.without > 0) problems.push(`${tickets.without} tickets without exactly one initial-problem text`);

  const commentsByMarker = new Map<string, number>();
  for (const c of comments) {
    const marker = markerOf(c.sms_body);
    if (marker) commentsByMarker.set(marker, (commentsByMarker.get(marker) ?? 0) + 1);
  }
  let failedButWritten = 0;
  for (const o of outcomes) {
    const written = commentsByMarker.get(o.marker) ?? 0;
    if (o.status === 201 && written !== 1) problems.push(`update ${o.marker} answered 201 but has ${written} comments`);
    else if (o.status !== 201 && written > 1)
      problems.push(`update ${o.marker} answered ${o.status} and has ${written} comments`);
    else if (o.status !== 201 && written === 1) failedButWritten++;
  }
  return { updatesAnswered201: outcomes.filter((o) => o.status === 201).length, failedButWritten, problems };
}

/** The ledger sums to the balances, and each message paid exactly its segments if it was handed over, nothing otherwise. */
async function checkLedger(lab: FaultLab): Promise<LedgerCheck | null> {
  const [exists] = await lab.sql<{ t: string | null }>(`SELECT to_regclass('sms_credit_entries')::text AS t`);
  if (!exists.t) return null;
  const problems: string[] = [];
  const balances = await lab.sql<{
    account_id: string;
    monthly_remaining: number;
    addon_remaining: number;
    monthly_sum: number;
    addon_sum: number;
  }>(
    `SELECT b.account_id, b.monthly_remaining, b.addon_remaining,
       coalesce((SELECT sum(amount) FROM sms_credit_entries e WHERE e.account_id = b.account_id AND e.bucket = 'monthly'), 0)::int AS monthly_sum,
       coalesce((SELECT sum(amount) FROM sms_credit_entries e WHERE e.account_id = b.account_id AND e.bucket = 'addon'), 0)::int AS addon_sum
     FROM sms_credit_balances b`,
  );
  for (const b of balances) {
    if (b.monthly_sum !== b.monthly_remaining)
      problems.push(
        `account ${b.account_id}: monthly entries sum to ${b.monthly_sum}, balance says ${b.monthly_remaining}`,
      );
    if (b.addon_sum !== b.addon_remaining)
      problems.push(`account ${b.account_id}: add-on entries sum to ${b.addon_sum}, balance says ${b.addon_remaining}`);
  }
  const messages = await lab.sql<{ id: string; status: string; segments: number; credits: number; net: number }>(
    `SELECT m.id, m.status, m.segments, m.credits, coalesce(sum(e.amount), 0)::int AS net
     FROM sms_messages m LEFT JOIN sms_credit_entries e ON e.message_id = m.id AND e.kind IN ('debit', 'refund')
     WHERE m.direction = 'outbound' GROUP BY m.id`,
  );
  let debited = 0;
  for (const m of messages) {
    const owed = HANDED_OVER.includes(m.status) ? m.segments : 0;
    debited -= m.net;
    if (-m.net !== owed)
      problems.push(`message ${m.id} (${m.status}, ${m.segments} segments) paid ${-m.net} credits, owed ${owed}`);
    else if (m.credits !== owed) problems.push(`message ${m.id} records ${m.credits} credits, the ledger ${owed}`);
  }
  return { accounts: balances.length, debited, problems };
}

/** The line CI prints for each case. */
export function summaryLine(r: Reconciliation): string {
  const ledger = r.ledger
    ? `; ledger: ${r.ledger.debited} credits debited, ${r.ledger.problems.length} mismatches over ${r.ledger.accounts} account(s)`
    : '; ledger: no credits module';
  return (
    `reconcile ${r.caseName}: ${r.rows} rows, ${r.providerMessages} provider messages, ${r.missing.length} missing, ${r.duplicates.length} duplicates, ` +
    `${r.orphans.length} orphans, ${r.notSent.length} not sent${r.swapped ? ` (${r.swapped} twin texts swapped)` : ''}; helpdesk: ${r.helpdesk.updatesAnswered201} updates answered 201, ` +
    `${r.helpdesk.failedButWritten} failed-but-written, ${r.helpdesk.problems.length} inconsistencies${ledger}`
  );
}

/** Prints the line and fails with the first few of every kind of problem. */
export function expectExact(r: Reconciliation, lab: FaultLab): void {
  process.stdout.write(`${summaryLine(r)}\n`);
  const problems = [
    ...r.missing.slice(0, 5).map((id) => `missing: row ${id} has no message at the provider`),
    ...r.duplicates
      .slice(0, 5)
      .map((d) => `duplicate: the provider created ${d.sid} for row ${d.rowId}, which accounts for another message`),
    ...r.orphans.slice(0, 5).map((m) => `orphan: provider message ${m.sid} (${m.body}) belongs to no row`),
    ...r.notSent.slice(0, 5).map((n) => `not sent: row ${n.id} ended ${n.status}: ${n.reason}`),
    ...r.helpdesk.problems.slice(0, 5),
    ...(r.ledger?.problems.slice(0, 5) ?? []),
  ];
  if (r.providerMessages !== r.handedOver)
    problems.push(`${r.handedOver} rows handed over but ${r.providerMessages} provider messages`);
  if (problems.length > 0)
    throw new Error(`${r.caseName} does not reconcile:\n  ${problems.join('\n  ')}\n${lab.logTails()}`);
}
