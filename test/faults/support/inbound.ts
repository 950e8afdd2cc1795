import { createHash } from 'node:crypto';
import { FaultLab } from './fault-lab';
import { pool } from './http-client';
import { BUSINESS_NUMBER, SeededAccount } from './load';
import { sleep } from './ports';
import { postSignedTwilio } from './webhooks';

/** One customer text as Twilio delivers it, and what became of its deliveries. */
export interface InboundDelivery {
  sid: string;
  marker: string;
  /** HTTP status of each delivery, in order: retries after a failure, then the repeat of an answered one. */
  statuses: number[];
}

// Twilio retries a webhook that failed (with connection overrides); the suite retries like that, up to this long.
const RETRY_FOR_MS = 60_000;
const RETRY_EVERY_MS = 500;

/** A stable Twilio-like message sid per marker, so a repeat of the same webhook carries the same sid. */
const sidOf = (marker: string) => `SM${createHash('sha256').update(marker).digest('hex').slice(0, 32)}`;

/**
 * `count` customer replies (Twilio's "a message comes in" webhook, signed) from the account's customers, over `ports`.
 * A delivery that is not answered 200 is retried until it is, as Twilio would; every fifth text is delivered a second
 * time after its 200 (Twilio does deliver twice now and then), which must change nothing.
 */
export async function sendInbound(opts: {
  lab: FaultLab;
  ports: number[];
  account: SeededAccount;
  count: number;
  label: string;
  concurrency?: number;
}): Promise<InboundDelivery[]> {
  const deliveries: InboundDelivery[] = [];
  await pool(opts.count, opts.concurrency ?? 8, async (i) => {
    const marker = `${opts.label}-in-${i}`;
    const ticket = opts.account.tickets[i % opts.account.tickets.length];
    const params = {
      AccountSid: opts.lab.twilio.accountSid,
      ApiVersion: '2010-04-01',
      MessageSid: sidOf(marker),
      SmsSid: sidOf(marker),
      From: ticket.phone,
      To: BUSINESS_NUMBER,
      Body: `[${marker}] Still offline, and now it beeps`,
      NumMedia: '0',
      NumSegments: '1',
    };
    const delivery: InboundDelivery = { sid: params.MessageSid, marker, statuses: [] };
    deliveries.push(delivery);
    const port = opts.ports[i % opts.ports.length];
    const deliver = async () => {
      const deadline = Date.now() + RETRY_FOR_MS;
      for (;;) {
        const answer = await postSignedTwilio(port, '/webhooks/twilio/inbound', opts.lab.twilio.authToken, params);
        delivery.statuses.push(answer.status);
        if (answer.status === 200 || Date.now() > deadline) return;
        await sleep(RETRY_EVERY_MS);
      }
    };
    await deliver();
    if (i % 5 === 4) await deliver();
  });
  return deliveries;
}

export interface InboundCheck {
  texts: number;
  deliveries: number;
  rows: number;
  comments: number;
  problems: string[];
}

/** Every inbound text is exactly one row, processed, and exactly one public comment with its words, whatever failed meanwhile. */
export async function reconcileInbound(lab: FaultLab, deliveries: InboundDelivery[]): Promise<InboundCheck> {
  const problems: string[] = [];
  const unanswered = deliveries.filter((d) => d.statuses.at(-1) !== 200);
  for (const d of unanswered.slice(0, 5))
    problems.push(`inbound ${d.marker} was never answered 200: ${d.statuses.join(', ')}`);
  const rows = await lab.sql<{
    provider_message_id: string;
    status: string;
    comment_id: string | null;
    error_message: string | null;
  }>(`SELECT provider_message_id, status, comment_id, error_message FROM sms_messages WHERE direction = 'inbound'`);
  const comments = await lab.sql<{ id: string; body: string; public: boolean }>(
    `SELECT id, body, public FROM comments WHERE author_type = 'customer'`,
  );
  const rowsBySid = new Map<string, typeof rows>();
  for (const r of rows) rowsBySid.set(r.provider_message_id, [...(rowsBySid.get(r.provider_message_id) ?? []), r]);
  const commentsById = new Map(comments.map((c) => [c.id, c]));
  for (const d of deliveries) {
    const found = rowsBySid.get(d.sid) ?? [];
    const withMarker = comments.filter((c) => c.body.includes(`[${d.marker}]`));
    if (found.length !== 1) problems.push(`inbound ${d.marker} has ${found.length} rows`);
    else if (found[0].status !== 'processed')
      problems.push(`inbound ${d.marker} ended ${found[0].status}: ${found[0].error_message}`);
    else if (!found[0].comment_id || !commentsById.get(found[0].comment_id)?.body.includes(`[${d.marker}]`))
      problems.push(`inbound ${d.marker} points at no comment with its text`);
    if (withMarker.length !== 1) problems.push(`inbound ${d.marker} is ${withMarker.length} comments`);
    else if (!withMarker[0].public) problems.push(`inbound ${d.marker} became a private comment`);
  }
  return {
    texts: deliveries.length,
    deliveries: deliveries.reduce((n, d) => n + d.statuses.length, 0),
    rows: rows.length,
    comments: comments.length,
    problems,
  };
}

/** Prints the inbound reconciliation line and fails with the first problems. */
export function expectInboundExact(caseName: string, check: InboundCheck, lab: FaultLab): void {
  process.stdout.write(
    `reconcile ${caseName} inbound: ${check.texts} texts in ${check.deliveries} webhook deliveries, ${check.rows} inbound rows, ` +
      `${check.comments} customer comments, ${check.problems.length} problems\n`,
  );
  if (check.problems.length > 0)
    throw new Error(
      `${caseName} inbound does not reconcile:\n  ${check.problems.slice(0, 10).join('\n  ')}\n${lab.logTails()}`,
    );
}
