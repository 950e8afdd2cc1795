/**
 * Gathers calls that arrive while earlier work is under way and hands them to `run` together: what several
 * concurrent callers would do one statement each becomes one round trip for all of them.
 *
 * Nothing waits on a timer. A call is taken at the end of the current turn of the event loop (setImmediate), with
 * every call that arrived in that turn; while `maxInFlight` batches are running, new calls queue and the next batch
 * takes up to `maxBatch` of them when one finishes. A lone call on an idle process therefore goes at once, and
 * batches grow only as fast as the load does.
 */
export class Coalescer<I, O> {
  private readonly waiting: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private inFlight = 0;
  private scheduled = false;

  /**
   * @param run answers every item of a batch, in the order given (a result per item); when it throws, every call of
   *   that batch rejects with the error.
   */
  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly options: { maxBatch: number; maxInFlight: number },
  ) {
    if (options.maxBatch < 1 || options.maxInFlight < 1) throw new Error('maxBatch and maxInFlight must be at least 1');
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Calls queued and not yet in a batch. */
  get pending(): number {
    return this.waiting.length;
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.options.maxInFlight || this.waiting.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.start();
    });
  }

  private start(): void {
    while (this.inFlight < this.options.maxInFlight && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.options.maxBatch);
      this.inFlight++;
      void this.runBatch(batch);
    }
  }

  private async runBatch(batch: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[]): Promise<void> {
    try {
      const results = await this.run(batch.map((b) => b.item));
      if (results.length !== batch.length)
        throw new Error(`batch of ${batch.length} answered with ${results.length} results`);
      batch.forEach((b, i) => b.resolve(results[i]));
    } catch (e) {
      for (const b of batch) b.reject(e);
    } finally {
      this.inFlight--;
      this.schedule();
    }
  }
}
