import { createServer, IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { isPrivateAddress, MediaFetcher, MediaFetchOptions, MediaFetchResult } from './media-fetcher';

interface Recorded {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

interface TestServer {
  port: number;
  requests: Recorded[];
  /** TCP connections accepted, including ones that never sent a request. */
  connections: number;
  url(host: 'localhost' | '127.0.0.1', path: string): string;
  close(): Promise<void>;
}

const servers: TestServer[] = [];

async function startServer(
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

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const CREDENTIALS = { username: 'AC0123456789abcdef0123456789abcdef', password: 'auth-token-secret' };
const BASIC = `Basic ${Buffer.from(`${CREDENTIALS.username}:${CREDENTIALS.password}`).toString('base64')}`;
const JPEG_BYTES = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(10_000, 7)]);
const MB = 1024 * 1024;

function fetcherFor(api: TestServer, options: Partial<MediaFetchOptions> = {}): MediaFetcher {
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

function failure(result: MediaFetchResult) {
  if (result.ok) throw new Error(`expected a failure, got ${result.bytes.length} bytes from ${result.finalUrl}`);
  return result;
}

/** Streams `total` bytes in 64 KB chunks without Content-Length (chunked), honouring back-pressure. */
function streamChunked(
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

describe('MediaFetcher', () => {
  describe('credentials and redirects', () => {
    it('follows the API host to the storage host, which never sees the Authorization header', async () => {
      const storage = await startServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'image/jpeg; charset=binary', 'content-length': JPEG_BYTES.length });
        res.end(JPEG_BYTES);
      });
      const api = await startServer((req, res) => {
        if (req.headers.authorization !== BASIC) return void res.writeHead(401).end();
        res.writeHead(302, { location: storage.url('127.0.0.1', '/bucket/ME123?X-Amz-Signature=abc') }).end();
      });

      const result = await fetcherFor(api).fetch(api.url('localhost', '/v1/messages/MM1/media/ME123'));

      expect(result).toEqual({
        ok: true,
        bytes: JPEG_BYTES,
        declaredType: 'image/jpeg',
        finalUrl: storage.url('127.0.0.1', '/bucket/ME123?X-Amz-Signature=abc'),
      });
      expect(api.requests).toHaveLength(1);
      expect(api.requests[0].headers.authorization).toBe(BASIC);
      expect(storage.requests).toHaveLength(1);
      expect(storage.requests[0].headers.authorization).toBeUndefined();
      expect(JSON.stringify(storage.requests[0].headers)).not.toContain(CREDENTIALS.password);
    });

    it('resolves a relative redirect and keeps the credentials on the same host', async () => {
      const api = await startServer((req, res) => {
        if (req.headers.authorization !== BASIC) return void res.writeHead(401).end();
        if (req.url === '/Media/ME1') return void res.writeHead(307, { location: 'ME1/../ME1/content' }).end();
        res.writeHead(200, { 'content-type': 'image/png' }).end(JPEG_BYTES);
      });
      const result = await fetcherFor(api).fetch(api.url('localhost', '/Media/ME1'));
      expect(result).toMatchObject({
        ok: true,
        finalUrl: api.url('localhost', '/Media/ME1/content'),
        declaredType: 'image/png',
      });
      expect(api.requests.map((r) => [r.path, r.headers.authorization])).toEqual([
        ['/Media/ME1', BASIC],
        ['/Media/ME1/content', BASIC],
      ]);
    });

    it('drops the credentials when a redirect keeps the host name but changes the port', async () => {
      const other = await startServer((_req, res) => void res.writeHead(200).end(JPEG_BYTES));
      const api = await startServer(
        (_req, res) => void res.writeHead(302, { location: other.url('localhost', '/x') }).end(),
      );
      const result = await fetcherFor(api).fetch(api.url('localhost', '/Media/ME1'));
      expect(result.ok).toBe(true);
      expect(api.requests[0].headers.authorization).toBe(BASIC);
      expect(other.requests[0].headers.authorization).toBeUndefined();
    });

    it('asks for the raw bytes (no compression) so Content-Length means what it says', async () => {
      const api = await startServer((_req, res) => void res.writeHead(200).end(JPEG_BYTES));
      await fetcherFor(api).fetch(api.url('localhost', '/m'));
      expect(api.requests[0].headers['accept-encoding']).toBe('identity');
    });

    it('follows up to maxRedirects redirects', async () => {
      const api = await startServer((req, res) => {
        const hop = Number(req.url?.slice(1));
        if (hop < 3) return void res.writeHead(302, { location: `/${hop + 1}` }).end();
        res.writeHead(200).end(JPEG_BYTES);
      });
      const result = await fetcherFor(api, { maxRedirects: 3 }).fetch(api.url('localhost', '/0'));
      expect(result).toMatchObject({ ok: true, finalUrl: api.url('localhost', '/3') });
    });

    it('stops a redirect loop with too_many_redirects', async () => {
      const api = await startServer(
        (req, res) => void res.writeHead(302, { location: req.url === '/a' ? '/b' : '/a' }).end(),
      );
      const result = failure(await fetcherFor(api, { maxRedirects: 3 }).fetch(api.url('localhost', '/a')));
      expect(result).toMatchObject({ reason: 'too_many_redirects', retryable: false });
      expect(result.detail).toMatch(/more than 3 times/);
      expect(api.requests).toHaveLength(4);
    });

    it.each([
      ['file:///etc/passwd', /file:/],
      ['ftp://localhost/x', /ftp:/],
      ['javascript:alert(1)', /javascript:/],
    ])('does not follow a redirect to %s', async (location, detail) => {
      const api = await startServer((_req, res) => void res.writeHead(302, { location }).end());
      const result = failure(await fetcherFor(api).fetch(api.url('localhost', '/m')));
      expect(result).toMatchObject({ reason: 'http_error', retryable: false });
      expect(result.detail).toMatch(detail);
    });
  });

  describe('host allow-list', () => {
    it('refuses other hosts, ports, user-info and parser tricks before any connection is made', async () => {
      const api = await startServer((_req, res) => void res.writeHead(200).end(JPEG_BYTES));
      const target = await startServer((_req, res) => void res.writeHead(200).end(JPEG_BYTES));
      const sut = fetcherFor(api);
      const allowed = `localhost:${api.port}`;
      const urls = [
        target.url('127.0.0.1', '/m'), // another host
        target.url('localhost', '/m'), // the allowed name on another port
        `http://127.0.0.1:${api.port}/m`, // the allowed port under another name
        `http://${allowed}@127.0.0.1:${target.port}/m`, // user-info: the real host follows the '@'
        `http://${allowed}:pw@127.0.0.1:${target.port}/m`,
        `http://127.0.0.1:${target.port}\\@${allowed}/m`, // a backslash ends the host in WHATWG URLs
        `http://127.0.0.1:${target.port}#@${allowed}/m`,
        `http://127.0.0.1:${target.port}?@${allowed}/m`,
        `http://user:pw@${allowed}/m`, // credentials in the link itself, even on the allowed host
        `ftp://${allowed}/m`,
        `file:///etc/passwd`,
        'not a url',
      ];
      for (const url of urls) {
        const result = failure(await sut.fetch(url));
        expect({ url, reason: result.reason, retryable: result.retryable }).toEqual({
          url,
          reason: 'host_not_allowed',
          retryable: false,
        });
      }
      expect(target.connections).toBe(0);
      expect(api.connections).toBe(0);
    });

    it.each([
      'https://api.provider.example.evil.com/media/ME1',
      'https://evilapi.provider.example/media/ME1',
      'https://api.provider.example./media/ME1',
      'https://api.provider.example:8443/media/ME1',
      'https://api.provider.example@evil.com/media/ME1',
      'https://evil.com\\@api.provider.example/',
      'https://api.provider.example%2eevil.com/',
    ])('refuses the look-alike %s without trying the network', async (url) => {
      const lookups: string[] = [];
      const sut = new MediaFetcher({
        allowedHosts: ['api.provider.example'],
        credentials: CREDENTIALS,
        resolve: async (host) => (lookups.push(host), ['203.0.113.10']),
      });
      const result = failure(await sut.fetch(url));
      expect(result.reason).toBe('host_not_allowed');
      expect(lookups).toEqual([]); // refused before any name was looked up
    });

    it('compares the allowed host case-insensitively, as URLs do', async () => {
      const api = await startServer((_req, res) => void res.writeHead(200).end(JPEG_BYTES));
      const sut = new MediaFetcher({
        allowedHosts: [`LocalHost:${api.port}`],
        privateAddressHosts: [`LocalHost:${api.port}`],
      });
      expect((await sut.fetch(`http://LOCALHOST:${api.port}/m`)).ok).toBe(true);
    });
  });

  describe('addresses of every hop', () => {
    it.each([
      '127.0.0.1',
      '[::1]',
      '2130706433',
      'localhost',
      '[::ffff:127.0.0.1]',
      '0.0.0.0',
      '[::]',
      '169.254.169.254',
      '10.1.2.3',
      '192.168.0.1',
    ])('refuses a redirect from the allowed host to %s, sending nothing there', async (target) => {
      const inside = await startServer((_req, res) => void res.writeHead(200).end(JPEG_BYTES));
      const api = await startServer(
        (_req, res) => void res.writeHead(302, { location: `http://${target}:${inside.port}/secret` }).end(),
      );

      const result = failure(
        await fetcherFor(api, { privateAddressHosts: [`localhost:${api.port}`] }).fetch(
          api.url('localhost', '/Media/ME1'),
        ),
      );

      expect(result).toMatchObject({ reason: 'address_not_allowed', retryable: false });
      expect(inside.requests).toHaveLength(0);
    });

    it('refuses an allowed host name that resolves to a private address, before connecting', async () => {
      const lookups: string[] = [];
      const sut = new MediaFetcher({
        allowedHosts: ['api.provider.example'],
        resolve: async (host) => (lookups.push(host), ['203.0.113.7', '10.0.0.5']),
      });

      const result = failure(await sut.fetch('https://api.provider.example/media/ME1'));

      expect(result).toMatchObject({
        reason: 'address_not_allowed',
        detail: 'the media link leads to api.provider.example (10.0.0.5), a private or local address',
      });
      expect(lookups).toEqual(['api.provider.example']);
    });

    it('checks the address the connection uses too: a name that answered the check with a public address and connects to loopback is refused', async () => {
      const api = await startServer((_req, res) => void res.writeHead(200).end(JPEG_BYTES));
      // The check's resolver says public; the system resolver the connection uses says 127.0.0.1 (DNS rebinding).
      const sut = new MediaFetcher({
        allowedHosts: [`localhost:${api.port}`],
        resolve: async () => ['203.0.113.9'],
        notFoundRetries: 0,
      });

      const result = failure(await sut.fetch(api.url('localhost', '/Media/ME1')));

      expect(result).toMatchObject({ reason: 'address_not_allowed', retryable: false });
      expect(api.requests).toHaveLength(0);
    });

    it('follows no more than maxRedirects hops', async () => {
      const api = await startServer((req, res) => void res.writeHead(302, { location: `${req.url ?? '/'}x` }).end());

      const result = failure(await fetcherFor(api, { maxRedirects: 2 }).fetch(api.url('localhost', '/r')));

      expect(result.reason).toBe('too_many_redirects');
      expect(api.requests).toHaveLength(3);
    });

    it('classifies addresses, IPv4-mapped IPv6 by the IPv4 address', () => {
      for (const address of [
        '127.0.0.1',
        '::1',
        '::ffff:127.0.0.1',
        '::ffff:7f00:1',
        '::',
        '0.0.0.0',
        'fe80::1',
        'fd00::1',
        '172.16.5.4',
        '100.64.0.1',
      ]) {
        expect([address, isPrivateAddress(address)]).toEqual([address, true]);
      }
      for (const address of ['203.0.113.7', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8']) {
        expect([address, isPrivateAddress(address)]).toEqual([address, false]);
      }
    });
  });

  describe('404 while the provider is still storing the media', () => {
    it('retries and succeeds after two 404s', async () => {
      const api = await startServer((_req, res, self) => {
        if (self.requests.length <= 2) return void res.writeHead(404).end('not yet');
        res.writeHead(200, { 'content-type': 'image/jpeg' }).end(JPEG_BYTES);
      });
      const result = await fetcherFor(api).fetch(api.url('localhost', '/Media/ME1'));
      expect(result).toMatchObject({ ok: true, bytes: JPEG_BYTES });
      expect(api.requests).toHaveLength(3);
    });

    it('gives up with not_found after notFoundRetries, backing off exponentially', async () => {
      const api = await startServer((_req, res) => void res.writeHead(404).end());
      const started = performance.now();
      const result = failure(
        await fetcherFor(api, { notFoundRetries: 3, retryBaseDelayMs: 20 }).fetch(api.url('localhost', '/Media/ME1')),
      );
      expect(result).toMatchObject({ reason: 'not_found', retryable: false });
      expect(api.requests).toHaveLength(4);
      // Delays of 20, 40 and 80 ms, each jittered down to no less than half.
      expect(performance.now() - started).toBeGreaterThanOrEqual(70);
    });

    it('restarts from the original URL when the storage host 404s', async () => {
      let storageCalls = 0;
      const storage = await startServer(
        (_req, res) => void (++storageCalls === 1 ? res.writeHead(404).end() : res.writeHead(200).end(JPEG_BYTES)),
      );
      const api = await startServer(
        (_req, res) => void res.writeHead(302, { location: storage.url('127.0.0.1', '/o') }).end(),
      );
      const result = await fetcherFor(api).fetch(api.url('localhost', '/Media/ME1'));
      expect(result.ok).toBe(true);
      expect(api.requests).toHaveLength(2);
      expect(storage.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
    });
  });

  describe('size cap', () => {
    it('refuses a Content-Length over the cap without reading the body', async () => {
      let closed!: () => void;
      const serverSawClose = new Promise<void>((resolve) => (closed = resolve));
      const api = await startServer((_req, res) => {
        res.on('close', closed);
        res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': 50 * MB });
        res.write(Buffer.alloc(64 * 1024)); // and then nothing: reading the body would hang until the timeout
      });
      const result = failure(
        await fetcherFor(api, { maxBytes: 5 * MB, timeoutMs: 10_000 }).fetch(api.url('localhost', '/big')),
      );
      // Reading the body would have ended in the timeout ('network'), not this.
      expect(result).toEqual({
        ok: false,
        reason: 'too_large',
        detail: 'the file is 50 MB, more than the 5 MB limit',
        retryable: false,
      });
      await serverSawClose;
    });

    it('aborts a chunked body without Content-Length once it passes the cap', async () => {
      let outcome!: Promise<{ sent: number; finished: boolean }>;
      const api = await startServer((_req, res) => {
        outcome = new Promise((resolve) => streamChunked(res, 50 * MB, resolve));
      });
      const result = failure(await fetcherFor(api, { maxBytes: 1 * MB }).fetch(api.url('localhost', '/stream')));
      expect(result).toMatchObject({
        reason: 'too_large',
        retryable: false,
        detail: 'the file is larger than the 1 MB limit',
      });
      const server = await outcome;
      expect(server.finished).toBe(false); // the connection closed under the server's feet
      expect(server.sent).toBeLessThan(20 * MB);
    });

    it('accepts a chunked body of exactly maxBytes', async () => {
      const api = await startServer((_req, res) => streamChunked(res, 200_000, () => undefined));
      const result = await fetcherFor(api, { maxBytes: 200_000 }).fetch(api.url('localhost', '/stream'));
      expect(result.ok && result.bytes.length).toBe(200_000);
      expect(api.requests[0].headers['content-length']).toBeUndefined();
    });
  });

  describe('errors the queue should or should not retry', () => {
    it.each([
      [503, true],
      [500, true],
      [429, true],
      [401, false],
      [403, false],
      [410, false],
    ])('HTTP %d → http_error, retryable %s', async (status, retryable) => {
      const api = await startServer((_req, res) => void res.writeHead(status).end());
      const result = failure(await fetcherFor(api).fetch(api.url('localhost', '/m')));
      expect(result).toEqual({
        ok: false,
        reason: 'http_error',
        detail: `localhost:${api.port} answered HTTP ${status}`,
        retryable,
      });
      expect(api.requests).toHaveLength(1);
    });

    it('reports a refused connection as a retryable network failure', async () => {
      const gone = await startServer(() => undefined);
      await gone.close();
      servers.splice(servers.indexOf(gone), 1);
      const result = failure(await fetcherFor(gone).fetch(gone.url('localhost', '/m')));
      expect(result).toMatchObject({
        reason: 'network',
        retryable: true,
        detail: expect.stringMatching(/ECONNREFUSED/),
      });
    });

    it('times out a server that never answers, as a retryable network failure', async () => {
      const api = await startServer(() => undefined);
      const result = failure(await fetcherFor(api, { timeoutMs: 200 }).fetch(api.url('localhost', '/m')));
      expect(result).toEqual({
        ok: false,
        reason: 'network',
        detail: `the download from localhost:${api.port} took longer than 0.2 seconds`,
        retryable: true,
      });
    });
  });

  it('rejects nonsense options', () => {
    expect(() => new MediaFetcher({ allowedHosts: [], maxBytes: 0 })).toThrow(RangeError);
    expect(() => new MediaFetcher({ allowedHosts: [], notFoundRetries: -1 })).toThrow(RangeError);
  });
});
