import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The HTTP plumbing the provider fakes share: an API server on 127.0.0.1, a media host reached as
 * http://localhost:{port} (a host other than the API's, as the real providers' media live elsewhere), answers
 * after a configurable latency, and a close() that also ends kept-alive sockets and requests never answered.
 */
export class FakeHttp {
  /** Every answer given through later() waits this long. */
  latencyMs = 0;
  private readonly servers: http.Server[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  /** Serves the API on 127.0.0.1 (`port`, or any free one when 0), handing over each request with its whole body. */
  async serveApi(
    onRequest: (req: IncomingMessage, res: ServerResponse, rawBody: string) => void,
    port = 0,
  ): Promise<number> {
    return this.listen(
      (req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => onRequest(req, res, Buffer.concat(chunks).toString('utf8')));
      },
      port,
      '127.0.0.1',
    );
  }

  /**
   * Serves a host reached as http://localhost:{port}. 'localhost' may resolve to ::1 or 127.0.0.1, so both loopbacks
   * are served on one port; ::1 is skipped where IPv6 is off.
   */
  async serveLocalhost(onRequest: (req: IncomingMessage, res: ServerResponse) => void, port = 0): Promise<number> {
    const chosen = await this.listen(onRequest, port, '127.0.0.1');
    try {
      await this.listen(onRequest, chosen, '::1');
    } catch {
      // No IPv6 loopback here: 'localhost' then resolves to 127.0.0.1 only.
    }
    return chosen;
  }

  /** Runs `write` after the latency (at once when there is none); close() drops what is still waiting. */
  later(write: () => void): void {
    if (this.latencyMs <= 0) return write();
    const t = setTimeout(() => {
      this.timers.delete(t);
      write();
    }, this.latencyMs);
    this.timers.add(t);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all(
      this.servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            if (!server.listening) return resolve();
            server.close(() => resolve());
            // Keep-alive sockets and hung requests would otherwise hold close() open.
            server.closeAllConnections();
          }),
      ),
    );
  }

  private listen(onRequest: http.RequestListener, port: number, host: string): Promise<number> {
    const server = http.createServer(onRequest);
    // Long keep-alive so a pooled client socket is never closed under it mid-benchmark (ECONNRESET races).
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        this.servers.push(server);
        resolve((server.address() as AddressInfo).port);
      });
    });
  }
}

/** The user and password of an HTTP basic `Authorization` header, or null when it is not one. */
export function basicCredentials(header: string | undefined): { user: string; password: string } | null {
  if (!header?.startsWith('Basic ')) return null;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
