import { EntityManager } from 'typeorm';
import { InboundQueries, LockedText } from './inbound.queries';

/**
 * The turn protocol: a customer's texts land one at a time, in the order they came. In a batch, each contact's
 * earliest text has its turn; a text whose contact has an earlier text still to land, in the same batch or elsewhere
 * (another batch, a job not yet run, another worker), is `LATER`: it goes again, in a later batch, after that one.
 * A text still landing 2 minutes after it came, or an MMS still downloading, is not waited for.
 */
export const LATER = 'later';

/** Times a text goes again at once after an earlier text of its sender, before it waits between tries. */
const TRIES_AT_ONCE = 4;

/**
 * Which of the locked texts have their turn now, and which come later. Only texts still `received` take part; the
 * others have landed already (a second run).
 */
export async function whoseTurn(
  tx: EntityManager,
  queries: InboundQueries,
  locked: LockedText[],
  batchIds: string[],
): Promise<{ turns: LockedText[]; later: Set<string> }> {
  const received = locked.filter((text) => text.status === 'received');
  const first = received.filter((text) => text.contactTurn === 1);
  const later = new Set(received.filter((text) => text.contactTurn > 1).map((text) => text.id));
  const elsewhere = await queries.earlierElsewhere(
    tx,
    first.map((text) => text.id),
    batchIds,
  );
  for (const id of elsewhere) later.add(id);
  return { turns: first.filter((text) => !later.has(text.id)), later };
}

/**
 * Runs `land` until the text has had its turn. A text goes after its sender's earlier texts, which are most often in
 * the same batch (just landed) or the one in flight beside it: going again at once puts it in the next batch, which
 * starts when one of those ends. An earlier text elsewhere (another worker, a job not yet run) is waited for, a
 * little longer each time.
 */
export async function inTurn<T>(land: () => Promise<T | typeof LATER>): Promise<T> {
  for (let turn = 1; ; turn++) {
    const outcome = await land();
    if (outcome !== LATER) return outcome;
    if (turn >= TRIES_AT_ONCE)
      await new Promise((resolve) => setTimeout(resolve, Math.min(10 * 2 ** (turn - TRIES_AT_ONCE), 500)));
  }
}
