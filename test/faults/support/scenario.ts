import { FaultLab } from './fault-lab';
import { byStatus, SeededAccount, seedAccount, UpdateOutcome } from './load';
import { waitFor } from './ports';

/**
 * The load of every case: 40 tickets (each with a two-part initial-problem text), then 1,200 updates with an SMS text
 * (every fourth in three parts): 1,880 outbound texts; and (where inbound is under test) 300 customer replies.
 */
export const LOAD = { tickets: 40, updates: 1200, inbound: 300, packs: 1 };
/** Outbound texts the provider has created about a third of the way through the load: when a case strikes. */
export const MID_LOAD = 600;

/** The helpdesk every case works in: one account with enough credits for the whole load. */
export function seedHelpdesk(lab: FaultLab, port: number, name = 'Acme IT', phoneBlock = 1): Promise<SeededAccount> {
  return seedAccount(lab, port, name, { tickets: LOAD.tickets, packs: LOAD.packs, phoneBlock });
}

/** Messages the fake provider has created so far. */
export const atProvider = (lab: FaultLab) => lab.twilio.sentMessages().length;

/** Waits until the provider has created `count` messages: the moment a case injects its fault. */
export async function whenProviderHas(lab: FaultLab, count: number, timeoutMs = 120_000): Promise<void> {
  try {
    await waitFor(
      `${count} texts at the provider`,
      async () => atProvider(lab),
      (n) => n >= count,
      timeoutMs,
    );
  } catch (e) {
    const rows = await lab
      .sql(`SELECT direction, status, error_message, count(*)::int AS n FROM sms_messages GROUP BY 1, 2, 3`)
      .catch((err: Error) => err.message);
    throw new Error(`${(e as Error).message}\nrows: ${JSON.stringify(rows)}\n${lab.logTails(30)}`);
  }
}

/** One line of what a case did, next to its reconciliation line. */
export function report(caseName: string, text: string): void {
  process.stdout.write(`${caseName}: ${text}\n`);
}

/** Every ticket update was answered 201; otherwise fails with the first reasons and the processes' logs. */
export function expectAllAnswered201(lab: FaultLab, outcomes: UpdateOutcome[]): void {
  const failed = outcomes.filter((o) => o.status !== 201);
  if (failed.length === 0) return;
  const samples = failed.slice(0, 3).map((o) => `${o.marker}: ${o.status} ${o.error ?? ''}`);
  throw new Error(
    `ticket updates not answered 201: ${JSON.stringify(byStatus(outcomes))}\n  ${samples.join('\n  ')}\n${lab.logTails(30)}`,
  );
}
