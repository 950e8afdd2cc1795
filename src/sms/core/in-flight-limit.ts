/** Runs at most `limit` tasks at once; the others wait for a turn, in the order they came. */
export class InFlightLimit {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {
    if (limit < 1) throw new Error('limit must be at least 1');
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    // A finishing task hands its turn straight to the next waiting one, so `running` counts it already.
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
