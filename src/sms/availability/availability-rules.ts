/** A contact's wait on an agent's direct number: from their text to the first reply. */
export interface WaitRecord {
  startedAt: Date;
  answeredAt: Date | null;
}

/** A claim the agent held: when it lapses unless they act, whether they replied, how it ended. */
export interface ClaimRecord {
  claimedAt: Date;
  expiresAt: Date;
  repliedAt: Date | null;
  endedAt: Date | null;
  endReason: 'released' | 'transferred' | 'expired' | null;
}

/** The current run of misses and, once it reached the threshold, when that happened. */
export interface Streak {
  inARow: number;
  reachedAt: Date | null;
}

type Outcome = { at: Date; miss: boolean };

/** Walks outcomes in time order: a miss extends the run, a success ends it; notes when the run first reached `threshold`. */
function run(outcomes: Outcome[], threshold: number): Streak {
  let inARow = 0;
  let reachedAt: Date | null = null;
  for (const o of [...outcomes].sort((a, b) => a.at.getTime() - b.at.getTime())) {
    inARow = o.miss ? inARow + 1 : 0;
    if (o.miss && inARow >= threshold && reachedAt === null) reachedAt = o.at;
  }
  return { inARow, reachedAt };
}

/**
 * Missed: direct conversations left unanswered past the response time, in a row. A wait answered in time ends the
 * run; one answered late, or still unanswered after the response time, is a miss (at its deadline); one still
 * within the response time does not count yet.
 */
export function missedStreak(waits: WaitRecord[], responseMs: number, threshold: number, now: Date): Streak {
  const outcomes: Outcome[] = [];
  for (const w of waits) {
    const deadline = new Date(w.startedAt.getTime() + responseMs);
    if (w.answeredAt && w.answeredAt.getTime() <= deadline.getTime()) outcomes.push({ at: w.answeredAt, miss: false });
    else if ((w.answeredAt ?? now).getTime() > deadline.getTime()) outcomes.push({ at: deadline, miss: true });
  }
  return run(outcomes, threshold);
}

/**
 * Unresponsive: claims the agent took and let lapse without a single reply, in a row. A claim they replied in ends
 * the run; one they released or handed on counts neither way; one still live does not count yet.
 */
export function unresponsiveStreak(claims: ClaimRecord[], threshold: number, now: Date): Streak {
  const outcomes: Outcome[] = [];
  for (const c of claims) {
    if (c.repliedAt) outcomes.push({ at: c.repliedAt, miss: false });
    else if (c.endReason === 'expired' || (c.endReason === null && c.expiresAt.getTime() <= now.getTime()))
      outcomes.push({ at: c.expiresAt, miss: true });
  }
  return run(outcomes, threshold);
}
