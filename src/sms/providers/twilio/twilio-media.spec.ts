import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { twilioMediaSource } from './twilio-media';

const CREDENTIALS = { accountSid: `AC${'0'.repeat(32)}`, authToken: 'auth-token-secret', timeoutMs: 2000 };

describe('Twilio media source: delete', () => {
  let server: Server;
  let api: string;
  let answer: number;
  const requests: Pick<IncomingMessage, 'method' | 'url' | 'headers'>[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push({ method: req.method, url: req.url, headers: req.headers });
      res.writeHead(answer).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  beforeEach(() => {
    requests.length = 0;
    answer = 204;
  });

  const sut = () => twilioMediaSource({ ...CREDENTIALS, apiUrl: api }, { maxBytes: 1024, privateAddressHosts: [] });

  it('deletes a media link of the API with the account credentials', async () => {
    await expect(sut().delete!(`${api}/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1`)).resolves.toBe(true);
    expect(requests).toEqual([
      expect.objectContaining({
        method: 'DELETE',
        url: '/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1',
        headers: expect.objectContaining({
          authorization: `Basic ${Buffer.from(`${CREDENTIALS.accountSid}:${CREDENTIALS.authToken}`).toString('base64')}`,
        }),
      }),
    ]);
  });

  it('counts media already gone as deleted', async () => {
    answer = 404;
    await expect(sut().delete!(`${api}/Media/ME1`)).resolves.toBe(true);
  });

  it('sends nothing, credentials least of all, to a link off the API origin or one carrying a user name', async () => {
    const port = new URL(api).port;
    for (const link of [`http://localhost:${port}/Media/ME1`, `http://u:p@127.0.0.1:${port}/Media/ME1`, 'not a url'])
      await expect(sut().delete!(link)).resolves.toBe(false);
    expect(requests).toEqual([]);
  });

  it('throws with the status when the API keeps the media', async () => {
    answer = 500;
    await expect(sut().delete!(`${api}/Media/ME1`)).rejects.toThrow('Twilio answered HTTP 500');
  });
});
