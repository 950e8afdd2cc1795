import { createServer } from 'node:net';

/** Whether nothing listens on 127.0.0.1:`port` (checked by binding it for a moment). */
export function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The first free port from `from` on (a fixed range keeps the lab's servers easy to spot), or any free one when `from` is 0. */
export async function freePort(from = 0): Promise<number> {
  if (from === 0) {
    return new Promise((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        const port = typeof address === 'object' && address ? address.port : 0;
        server.close(() => resolve(port));
      });
    });
  }
  for (let port = from; port < from + 200; port++) {
    if (await isFree(port)) return port;
  }
  throw new Error(`no free port in ${from}..${from + 199}`);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value `done` accepts; fails after `timeoutMs` with `what` and the last value. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let last: T | undefined;
    let error: unknown;
    try {
      last = await probe();
      if (done(last)) return last;
    } catch (e) {
      error = e;
    }
    if (Date.now() > deadline) {
      const seen = error ? `last error: ${(error as Error).message}` : `last value: ${JSON.stringify(last)}`;
      throw new Error(`${what}: not within ${Math.round(timeoutMs / 1000)} s (${seen})`);
    }
    await sleep(everyMs);
  }
}
