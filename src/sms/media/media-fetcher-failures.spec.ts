import { MediaFetcher } from './media-fetcher';
import {
  closeServers,
  failure,
  fetcherFor,
  servers,
  JPEG_BYTES,
  MB,
  startServer,
  streamChunked,
} from './media-fetcher.spec.fixtures';

afterEach(closeServers);

describe('MediaFetcher failures', () => {
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
