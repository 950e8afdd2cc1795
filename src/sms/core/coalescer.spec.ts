import { Coalescer } from './coalescer';

/** A batch runner whose batches finish only when the test says so, recording what each batch held. */
function gatedRunner() {
  const batches: number[][] = [];
  const gates: (() => void)[] = [];
  const run = async (items: number[]) => {
    batches.push(items);
    await new Promise<void>((resolve) => gates.push(resolve));
    return items.map((n) => n * 10);
  };
  const openNext = () => gates.shift()!();
  return { batches, run, openNext };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('Coalescer', () => {
  it('answers a lone call on its own, at once', async () => {
    const runs: number[][] = [];
    const sut = new Coalescer(async (items: number[]) => (runs.push(items), items.map((n) => n + 1)), {
      maxBatch: 10,
      maxInFlight: 1,
    });
    await expect(sut.submit(4)).resolves.toBe(5);
    expect(runs).toEqual([[4]]);
  });

  it('gathers the calls of one turn into one batch, and those that arrive while it runs into the next', async () => {
    const { batches, run, openNext } = gatedRunner();
    const sut = new Coalescer(run, { maxBatch: 10, maxInFlight: 1 });
    const first = [1, 2, 3].map((n) => sut.submit(n));
    await turn();
    const second = [4, 5].map((n) => sut.submit(n));
    await turn();
    expect(batches).toEqual([[1, 2, 3]]);
    expect(sut.pending).toBe(2);
    openNext();
    await expect(Promise.all(first)).resolves.toEqual([10, 20, 30]);
    await turn();
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    openNext();
    await expect(Promise.all(second)).resolves.toEqual([40, 50]);
  });

  it('never puts more than maxBatch calls in a batch, nor runs more than maxInFlight batches at once', async () => {
    const { batches, run, openNext } = gatedRunner();
    const sut = new Coalescer(run, { maxBatch: 2, maxInFlight: 2 });
    const all = [1, 2, 3, 4, 5].map((n) => sut.submit(n));
    await turn();
    expect(batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
    openNext();
    await turn();
    await turn();
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
    openNext();
    openNext();
    await expect(Promise.all(all)).resolves.toEqual([10, 20, 30, 40, 50]);
  });

  it('rejects every call of a failed batch with its error, and goes on with the next batch', async () => {
    let calls = 0;
    const sut = new Coalescer(
      async (items: string[]) => {
        calls++;
        if (items.includes('bad')) throw new Error('constraint violated');
        return items.map((s) => s.toUpperCase());
      },
      { maxBatch: 10, maxInFlight: 1 },
    );
    const failed = [sut.submit('ok'), sut.submit('bad')];
    await expect(failed[0]).rejects.toThrow('constraint violated');
    await expect(failed[1]).rejects.toThrow('constraint violated');
    await expect(sut.submit('next')).resolves.toBe('NEXT');
    expect(calls).toBe(2);
  });

  it('rejects a batch whose runner answers with the wrong number of results', async () => {
    const sut = new Coalescer(async (items: number[]) => items.slice(1), { maxBatch: 10, maxInFlight: 1 });
    await expect(Promise.all([sut.submit(1), sut.submit(2)])).rejects.toThrow('batch of 2 answered with 1 results');
  });
});
