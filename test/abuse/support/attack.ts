import { monitorEventLoopDelay } from 'node:perf_hooks';

/** What a bystander saw while an attack ran: another account's requests, and the service's event loop. */
export interface AttackReport<T> {
  result: T;
  /** Latency of each bystander request that ran while the attack was under way, in ms. */
  bystanderMs: number[];
  bystanderMaxMs: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

/**
 * Runs `attack` while `bystander` (another account's ordinary request) runs again and again, and measures the event
 * loop of this process, which is the service's: e2e apps run in the test's process. Prints one line per attack so
 * the suite's output carries the figures; the assertions stay with the caller.
 */
export async function underAttack<T>(
  name: string,
  attack: () => Promise<T>,
  bystander: () => Promise<unknown>,
): Promise<AttackReport<T>> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const bystanderMs: number[] = [];
  let running = true;
  const watching = (async () => {
    // At least one bystander request runs, even when the attack is over at once.
    do {
      const started = performance.now();
      await bystander();
      bystanderMs.push(performance.now() - started);
    } while (running);
  })();
  let result: T;
  try {
    result = await attack();
  } finally {
    running = false;
    await watching;
    histogram.disable();
  }
  const report = {
    result,
    bystanderMs,
    bystanderMaxMs: Math.max(...bystanderMs),
    loopDelayP99Ms: histogram.percentile(99) / 1e6,
    loopDelayMaxMs: histogram.max / 1e6,
  };
  console.warn(
    `abuse: ${name}: event-loop delay p99 ${report.loopDelayP99Ms.toFixed(1)} ms, max ${report.loopDelayMaxMs.toFixed(1)} ms; ` +
      `bystander ${bystanderMs.length} requests, slowest ${report.bystanderMaxMs.toFixed(0)} ms`,
  );
  return report;
}
