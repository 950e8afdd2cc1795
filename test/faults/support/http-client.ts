import { Agent, IncomingHttpHeaders, request } from 'node:http';

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

// A connection per request: a kept-alive socket the server closes when idle races the next request on it, and that
// failure would be the client's, not the service's. Connecting over loopback costs next to nothing.
const agent = new Agent({ keepAlive: false, maxSockets: 128 });
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * One HTTP request to a service process on 127.0.0.1. A refused or cut connection resolves as status 0 (the
 * caller decides whether that is a failure), so load loops never stop on one bad request.
 */
export function call(
  port: number,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        timeout: REQUEST_TIMEOUT_MS,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body ?? '')) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', (e) => resolve({ status: 0, headers: {}, body: e.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) =>
      resolve({ status: 0, headers: {}, body: `${e.message} (${e.code ?? 'no code'})` }),
    );
    req.end(body);
  });
}

export function postJson(port: number, path: string, token: string, payload: unknown): Promise<HttpAnswer> {
  return call(port, 'POST', path, JSON.stringify(payload), {
    'content-type': 'application/json',
    authorization: `Bearer ${token}`,
  });
}

export function getJson(port: number, path: string, token?: string): Promise<HttpAnswer> {
  return call(port, 'GET', path, undefined, token ? { authorization: `Bearer ${token}` } : {});
}

export function postForm(
  port: number,
  path: string,
  form: string,
  headers: Record<string, string>,
): Promise<HttpAnswer> {
  return call(port, 'POST', path, form, { 'content-type': 'application/x-www-form-urlencoded', ...headers });
}

/** Runs `task(i)` for i in [0, count), at most `concurrency` at once. */
export async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}
