import { createServer, IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { SendAmbiguousError, SendRefusedError, SendRetryableError } from '../sms-provider';
import { TwilioProvider } from './twilio.provider';

const SID = `AC${'0'.repeat(31)}7`;
const TOKEN = 'auth-token-secret';
const MESSAGE_SID = `SM${'c'.repeat(32)}`;
const TEXT = {
  messageId: '3f2a1c9e-1d4b-4c55-9a7e-2b8f0c6d4e11',
  accountId: 'acct-1',
  to: '+12015550123',
  from: '+12025550100',
  body: "Hi! (it's 50% *done*) — ünïcødé 🎉 & more=1+2 ~ok~",
};

interface Received {
  method?: string;
  url?: string;
  headers: IncomingHttpHeaders;
  body: string;
}

describe('Twilio sends on the wire', () => {
  let server: Server;
  let api: string;
  let received: Received[];
  let reply: (res: ServerResponse) => void;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        received.push({ method: req.method, url: req.url, headers: req.headers, body });
        reply(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    received = [];
    reply = (res) =>
      res
        .writeHead(201, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ sid: MESSAGE_SID, status: 'queued', num_segments: '2' }));
  });

  const provider = (timeoutMs = 2000) =>
    new TwilioProvider({ accountSid: SID, authToken: TOKEN, apiUrl: api, timeoutMs }, 'https://desk.example/sms');

  it('makes the request twilio-node makes for the same message, links and callback', async () => {
    const mediaUrls = ['https://desk.example/media/a.jpg?x=1&y=2', 'https://desk.example/media/b (1).png'];
    await provider().send({ ...TEXT, mediaUrls });
    const sdk = twilio(SID, TOKEN, { autoRetry: false });
    sdk.api.baseUrl = api;
    await sdk.messages.create({
      to: TEXT.to,
      from: TEXT.from,
      body: TEXT.body,
      mediaUrl: mediaUrls,
      statusCallback: `https://desk.example/sms/webhooks/twilio/status?m=${TEXT.messageId}`,
    });

    const [ours, theirs] = received;
    expect(ours.method).toBe('POST');
    expect(ours.url).toBe(`/2010-04-01/Accounts/${SID}/Messages.json`);
    expect(ours.body).toBe(theirs.body);
    expect(Object.fromEntries(new URLSearchParams(ours.body))).toEqual({
      To: TEXT.to,
      StatusCallback: `https://desk.example/sms/webhooks/twilio/status?m=${TEXT.messageId}`,
      From: TEXT.from,
      Body: TEXT.body,
      MediaUrl: mediaUrls[1],
    });
    expect(new URLSearchParams(ours.body).getAll('MediaUrl')).toEqual(mediaUrls);
    expect({ ...theirs, headers: pick(theirs.headers) }).toEqual({ ...ours, headers: pick(ours.headers) });
    expect(ours.headers.authorization).toBe(`Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`);
  });

  it("reads Twilio's answer: the sid, the status and the segments", async () => {
    await expect(provider().send(TEXT)).resolves.toEqual({
      providerMessageId: MESSAGE_SID,
      status: 'queued',
      segments: 2,
    });
  });

  it('sends a text without links or media fields, on one kept-alive connection', async () => {
    const sut = provider();
    await sut.send(TEXT);
    await sut.send({ ...TEXT, body: 'Second' });
    expect(new URLSearchParams(received[0].body).has('MediaUrl')).toBe(false);
    expect(received.map((r) => r.headers.connection)).toEqual(['keep-alive', 'keep-alive']);
  });

  it('maps an opt-out refusal, other 4xx answers and 429 as before', async () => {
    reply = (res) =>
      res
        .writeHead(400, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ code: 21610, message: 'Attempt to send to unsubscribed recipient', status: 400 }));
    const optedOut = await provider()
      .send(TEXT)
      .catch((e: unknown) => e);
    expect(optedOut).toBeInstanceOf(SendRefusedError);
    expect(optedOut).toMatchObject({
      code: '21610',
      optedOut: true,
      message: 'Attempt to send to unsubscribed recipient',
    });

    reply = (res) => res.writeHead(404).end('not json');
    await expect(provider().send(TEXT)).rejects.toMatchObject({
      constructor: SendRefusedError,
      code: '404',
      optedOut: false,
      message: '[HTTP 404] Failed to execute request',
    });

    reply = (res) => res.writeHead(429).end(JSON.stringify({ code: 20429, message: 'Too Many Requests' }));
    await expect(provider().send(TEXT)).rejects.toMatchObject({ constructor: SendRetryableError, code: '20429' });
  });

  it('calls a 5xx answer and a call that runs out of time ambiguous: the message may exist', async () => {
    reply = (res) => res.writeHead(500).end(JSON.stringify({ code: 20500, message: 'Internal Server Error' }));
    await expect(provider().send(TEXT)).rejects.toMatchObject({ constructor: SendAmbiguousError, code: '20500' });

    reply = () => undefined;
    await expect(provider(200).send(TEXT)).rejects.toMatchObject({
      constructor: SendAmbiguousError,
      code: 'ECONNABORTED',
      message: 'timeout of 200ms exceeded',
    });
  });

  it('calls a refused connection retryable: nothing was sent', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const sut = new TwilioProvider(
      { accountSid: SID, authToken: TOKEN, apiUrl: `http://127.0.0.1:${port}`, timeoutMs: 2000 },
      'https://desk.example/sms',
    );
    await expect(sut.send(TEXT)).rejects.toMatchObject({ constructor: SendRetryableError, code: 'ECONNREFUSED' });
  });
});

/**
 * The headers that say what the request is: not the connection's own, nor axios's offer of compressed answers (the
 * answer to a create is a few hundred bytes, read as it comes).
 */
function pick(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const { host: _host, connection: _connection, 'accept-encoding': _encoding, ...rest } = headers;
  return rest;
}
