import { isPrivateAddress, MediaFetcher } from './media-fetcher';
import {
  BASIC,
  closeServers,
  CREDENTIALS,
  failure,
  fetcherFor,
  JPEG_BYTES,
  startServer,
} from './media-fetcher.spec.fixtures';

afterEach(closeServers);

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
});
