import { call, HttpAnswer, pool, postJson } from './http-client';
import { sleep } from './ports';
import { FaultLab, PLATFORM_TOKEN } from './fault-lab';

export const BUSINESS_NUMBER = '+12025550100';

export interface SeededTicket {
  id: string;
  /** The customer's mobile phone, E.164. */
  phone: string;
}

export interface SeededAccount {
  id: string;
  token: string;
  tickets: SeededTicket[];
}

/** What the technician's client saw for one ticket update; `marker` is unique and appears in the SMS text. */
export interface UpdateOutcome {
  marker: string;
  ticketId: string;
  status: number;
  retryAfter: string | undefined;
  /** The answer's body when it was not a 201 (the reason), for the failure message. */
  error?: string;
}

function expect2xx(what: string, answer: HttpAnswer): HttpAnswer {
  if (answer.status < 200 || answer.status > 299)
    throw new Error(`${what}: HTTP ${answer.status} ${answer.body.slice(0, 300)}`);
  return answer;
}

/**
 * An account with a verified SMS number (assigned by the platform), `packs` packs' worth of credits granted by the platform, and one ticket per customer (each
 * with a mobile phone; each ticket sends its initial-problem text). `phoneBlock` keeps accounts' phones apart.
 */
export async function seedAccount(
  lab: FaultLab,
  port: number,
  name: string,
  opts: { tickets: number; packs: number; phoneBlock: number },
): Promise<SeededAccount> {
  // The platform's Twilio account owns the number, so the service verifies it and lets it send.
  lab.twilio.ownNumber(BUSINESS_NUMBER);
  const created = expect2xx(
    'create account',
    await call(port, 'POST', '/api/platform/accounts', JSON.stringify({ name, subscribedAt: '2020-01-01T00:00:00Z' }), {
      'content-type': 'application/json',
      authorization: `Bearer ${PLATFORM_TOKEN}`,
    }),
  );
  const { id, adminToken: token } = JSON.parse(created.body) as { id: string; adminToken: string };
  const platform = { 'content-type': 'application/json', authorization: `Bearer ${PLATFORM_TOKEN}` };
  // The platform assigns the number to the account; then the admin may add it.
  expect2xx(
    'assign SMS number',
    await call(
      port,
      'POST',
      `/api/platform/accounts/${id}/numbers`,
      JSON.stringify({ number: BUSINESS_NUMBER }),
      platform,
    ),
  );
  const number = expect2xx(
    'add SMS number',
    await postJson(port, '/api/sms/numbers', token, { number: BUSINESS_NUMBER, label: 'Front desk', kind: 'shared' }),
  );
  if ((JSON.parse(number.body) as { verified?: boolean }).verified === false)
    throw new Error(`the SMS number was not verified: ${number.body}`);
  if (opts.packs > 0) {
    const grant = JSON.stringify({ credits: opts.packs * 2500, reason: 'Credits for the fault scenario' });
    expect2xx('grant credits', await call(port, 'POST', `/api/platform/accounts/${id}/credits`, grant, platform));
  }
  const tickets: SeededTicket[] = new Array<SeededTicket>(opts.tickets);
  await pool(opts.tickets, 8, async (i) => {
    const phone = `+1201555${String(opts.phoneBlock * 1000 + i).padStart(4, '0')}`;
    const customer = expect2xx(
      'create customer',
      await postJson(port, '/api/customers', token, {
        name: `Customer ${i}`,
        phones: [{ number: phone, type: 'mobile' }],
      }),
    );
    const customerId = (JSON.parse(customer.body) as { id: string }).id;
    const ticket = expect2xx(
      'create ticket',
      await postJson(port, '/api/tickets', token, {
        customerId,
        subject: `Printer ${i} offline`,
        problem: 'It says offline.',
      }),
    );
    tickets[i] = { id: (JSON.parse(ticket.body) as { id: string }).id, phone };
  });
  return { id, token, tickets };
}

const LONG_TEXT =
  'Your replacement laptop is imaged, patched and tested. We moved your files and mail profile over and checked the VPN ' +
  'and the printer. Bring the old laptop and its charger when you pick it up; we wipe it in front of you. The loaner ' +
  'stays with you until Friday. Call us if anything is missing after you log in.';

/**
 * The SMS text of update `i`, findable by its marker. Every fourth is long enough to go as three one-segment parts,
 * so the chain "the next part goes once the one before it was accepted" is under the same faults as everything else.
 */
export const updateText = (marker: string, i: number) =>
  i % 4 === 3 ? `[${marker}] ${LONG_TEXT}` : `[${marker}] Technician on the way`;

/**
 * `count` ticket updates with an SMS text, spread over the account's tickets and round-robin over `ports` (several
 * api processes), `concurrency` at a time. Failures are recorded, not thrown: the case decides what each may be.
 */
export async function sendUpdates(opts: {
  ports: number[];
  account: SeededAccount;
  count: number;
  label: string;
  concurrency?: number;
  onAnswer?: (outcome: UpdateOutcome, done: number) => void;
}): Promise<UpdateOutcome[]> {
  const outcomes: UpdateOutcome[] = [];
  await pool(opts.count, opts.concurrency ?? 32, async (i) => {
    const marker = `${opts.label}-${i}`;
    const ticket = opts.account.tickets[i % opts.account.tickets.length];
    const answer = await postJson(
      opts.ports[i % opts.ports.length],
      `/api/tickets/${ticket.id}/updates`,
      opts.account.token,
      { smsBody: updateText(marker, i) },
    );
    const retryAfter = answer.headers['retry-after'];
    const outcome: UpdateOutcome = {
      marker,
      ticketId: ticket.id,
      status: answer.status,
      retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
      ...(answer.status === 201 ? {} : { error: answer.body.slice(0, 300) }),
    };
    outcomes.push(outcome);
    opts.onAnswer?.(outcome, outcomes.length);
    // A well-behaved client waits as long as a 503 asks before its next request (it does not resend this one: a COMMIT
    // cut off mid-way may have gone through, and the suite checks that either all of the update was written or none).
    if (answer.status === 503 && outcome.retryAfter) await sleep(Number(outcome.retryAfter) * 1000);
  });
  return outcomes;
}

/** Counts outcomes by HTTP status, e.g. `{ 201: 2990, 503: 10 }`. */
export function byStatus(outcomes: UpdateOutcome[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const o of outcomes) counts[o.status] = (counts[o.status] ?? 0) + 1;
  return counts;
}
