/** A local HTTP server per test, and a fetcher pointed at it, for the MediaFetcher specs. */
import { createServer, IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { MediaFetcher, MediaFetchOptions, MediaFetchResult } from './media-fetcher';

export interface Recorded {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

export interface TestServer {
  port: number;
  requests: Recorded[];
  /** TCP connections accepted, including ones that never sent a request. */
  connections: number;
  url(host: 'localhost' | '127.0.0.1', path: string): string;
  close(): Promise<void>;
}

export const servers: TestServer[] = [];

export async function startServer(
  handler: (req: IncomingMessage, res: ServerResponse, self: TestServer) => void,
): Promise<TestServer> {
  const server = createServer();
  const self: TestServer = {
    port: 0,
    requests: [],
    connections: 0,
    url: (host, path) => `http://${host}:${self.port}${path}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server.on('connection', () => self.connections++);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    self.requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
    handler(req, res, self);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  self.port = (server.address() as AddressInfo).port;
  servers.push(self);
  return self;
}

/** Closes every server a test started. */
export async function closeServers(): Promise<void> {
  await Promise.all(servers.splice(0).map((s) => s.close()));
}

export const CREDENTIALS = { username: 'AC0123456789abcdef0123456789abcdef', password: 'auth-token-secret' };
export const BASIC = `Basic ${Buffer.from(`${CREDENTIALS.username}:${CREDENTIALS.password}`).toString('base64')}`;
export const JPEG_BYTES = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(10_000, 7)]);
export const MB = 1024 * 1024;

export function fetcherFor(api: TestServer, options: Partial<MediaFetchOptions> = {}): MediaFetcher {
  return new MediaFetcher({
    allowedHosts: [`localhost:${api.port}`],
    // Every server here is on loopback; the address checks have their own tests, with this left out.
    privateAddressHosts: ['localhost', '127.0.0.1', '[::1]'],
    credentials: CREDENTIALS,
    retryBaseDelayMs: 1,
    timeoutMs: 5_000,
    ...options,
  });
}

export function failure(result: MediaFetchResult) {
  if (result.ok) throw new Error(`expected a failure, got ${result.bytes.length} bytes from ${result.finalUrl}`);
  return result;
}

/** Streams `total` bytes in 64 KB chunks without Content-Length (chunked), honouring back-pressure. */
export function streamChunked(
  res: ServerResponse,
  total: number,
  onClose: (outcome: { sent: number; finished: boolean }) => void,
): void {
  const chunk = Buffer.alloc(64 * 1024, 0xab);
  let sent = 0;
  res.on('close', () => onClose({ sent, finished: res.writableFinished }));
  res.writeHead(200, { 'content-type': 'image/jpeg' });
  const pump = (): void => {
    while (sent < total && !res.destroyed) {
      const piece = chunk.subarray(0, Math.min(chunk.length, total - sent));
      sent += piece.length;
      if (!res.write(piece)) {
        res.once('drain', pump);
        return;
      }
    }
    if (sent >= total) res.end();
  };
  pump();
}
