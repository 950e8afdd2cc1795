/** The Flowroute provider against the fake Flowroute HTTP server: wire format, error mapping, reconciliation. */
import { FlowrouteProvider } from '../../src/sms/providers/flowroute/flowroute.provider';
import {
  OutboundSms,
  SendAmbiguousError,
  SendRefusedError,
  SendRetryableError,
} from '../../src/sms/providers/sms-provider';
import { FakeFlowroute } from '../fakes/fake-flowroute';

const DLR = 'https://helpdesk.test/webhooks/flowroute/tok/dlr';

describe('FlowrouteProvider', () => {
  let fake: FakeFlowroute;
  let sut: FlowrouteProvider;

  beforeAll(async () => {
    fake = await FakeFlowroute.start();
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.reset();
    sut = new FlowrouteProvider(
      { accessKey: fake.accessKey, secretKey: fake.secretKey },
      { apiUrl: fake.url, timeoutMs: 1000, dlrCallbackUrl: DLR },
    );
  });

  const message = (overrides: Partial<OutboundSms> = {}): OutboundSms => ({
    messageId: '0b7c1e7e-3c55-4d0e-9a57-2b0f4f0f2a11',
    accountId: 'a1',
    to: '+12015550123',
    from: '+12025550100',
    body: 'Ticket #1001: technician on the way',
    ...overrides,
  });
  const rejection = async (p: Promise<unknown>) =>
    p.then(
      () => {
        throw new Error('expected a rejection');
      },
      (e: Error) => e,
    );

  it('posts JSON with 11-digit numbers, basic auth and its own delivery-receipt URL, and keeps the record id', async () => {
    const accepted = await sut.send(message());
    const [sent] = fake.sentMessages();
    expect(accepted).toEqual({ providerMessageId: sent.id, status: 'accepted', segments: null });
    expect(sent).toMatchObject({
      to: '12015550123',
      from: '12025550100',
      body: 'Ticket #1001: technician on the way',
      dlrCallback: `${DLR}?m=0b7c1e7e-3c55-4d0e-9a57-2b0f4f0f2a11`,
    });
    expect(sent.request.headers['content-type']).toBe('application/vnd.api+json');
    expect(sent.request.accessKey).toBe(fake.accessKey);
  });

  it('refuses numbers outside North America without calling Flowroute', async () => {
    const e = await rejection(sut.send(message({ to: '+447700900123' })));
    expect(e).toBeInstanceOf(SendRefusedError);
    expect(e).toMatchObject({ code: 'not_nanp' });
    expect(e.message).not.toContain('447700900123');
    expect(fake.sendAttempts()).toHaveLength(0);
  });

  it('maps 401 and other 4xx to a refusal with Flowroute’s detail, and never puts the secret in it', async () => {
    const wrong = new FlowrouteProvider(
      { accessKey: fake.accessKey, secretKey: 'not-the-secret-key-000' },
      { apiUrl: fake.url, timeoutMs: 1000, dlrCallbackUrl: DLR },
    );
    const refused = await rejection(wrong.send(message()));
    expect(refused).toBeInstanceOf(SendRefusedError);
    expect(refused).toMatchObject({ code: '401', message: expect.stringMatching(/access key and secret key/) });
    expect(refused.message).not.toContain('not-the-secret-key');

    fake.rejectRecipient('12015550123', 400, "'to' is not a mobile number");
    const invalid = await rejection(sut.send(message()));
    expect(invalid).toBeInstanceOf(SendRefusedError);
    expect(invalid).toMatchObject({
      code: '400',
      message: "Flowroute refused the message (HTTP 400): 'to' is not a mobile number",
    });
  });

  it('maps 429 to retryable, 5xx and timeouts to ambiguous, refused connections to retryable', async () => {
    fake.failNext(1, { status: 429 });
    expect(await rejection(sut.send(message()))).toBeInstanceOf(SendRetryableError);
    fake.failNext(1, { status: 503 });
    expect(await rejection(sut.send(message()))).toBeInstanceOf(SendAmbiguousError);
    fake.hangNext(1);
    const slow = await rejection(sut.send(message()));
    expect(slow).toBeInstanceOf(SendAmbiguousError);
    expect(slow).toMatchObject({ code: 'timeout' });

    const gone = await FakeFlowroute.start();
    const url = gone.url;
    await gone.close();
    const dead = new FlowrouteProvider(
      { accessKey: 'k', secretKey: 's' },
      { apiUrl: url, timeoutMs: 1000, dlrCallbackUrl: DLR },
    );
    expect(await rejection(dead.send(message()))).toMatchObject({ code: 'ECONNREFUSED' });
    expect(await rejection(dead.send(message()))).toBeInstanceOf(SendRetryableError);
  });

  it('finds a message Flowroute created before failing, and nothing when none was created', async () => {
    const since = new Date();
    expect(await sut.findSent(message(), since)).toBeNull();
    fake.failNext(1, { status: 500, createdAnyway: true });
    await rejection(sut.send(message()));
    await sut.send(message({ body: 'another text' }));
    const found = await sut.findSent(message(), since);
    expect(found).toEqual({ providerMessageId: fake.sentMessages()[0].id, status: 'accepted', segments: null });
    const lookup = fake.requests.filter((r) => r.method === 'GET').at(-1)!;
    expect(lookup.query.start_date).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
  });

  it('skips a record another row already owns: the same text to the same number twice is sent twice', async () => {
    const since = new Date();
    const first = await sut.send(message());
    fake.failNext(1, { status: 500, createdAnyway: true });
    await rejection(sut.send(message({ messageId: '5d1f2a0e-8b7c-4e55-9f0a-1c2b3d4e5f60' })));
    const second = fake.sentMessages().find((m) => m.id !== first.providerMessageId)!;
    const taken = new Set([first.providerMessageId]);
    const found = await sut.findSent(
      message({ messageId: '5d1f2a0e-8b7c-4e55-9f0a-1c2b3d4e5f60' }),
      since,
      async (id) => taken.has(id),
    );
    expect(found).toEqual({ providerMessageId: second.id, status: 'accepted', segments: null });
    taken.add(second.id);
    expect(await sut.findSent(message(), since, async (id) => taken.has(id))).toBeNull();
  });

  it('tests a connection: accepted credentials, refused ones, an unreachable API', async () => {
    expect(await sut.testConnection()).toEqual({
      ok: true,
      message: 'Flowroute accepted the access key and secret key',
    });
    const wrong = new FlowrouteProvider(
      { accessKey: fake.accessKey, secretKey: 'nope-nope' },
      { apiUrl: fake.url, timeoutMs: 1000, dlrCallbackUrl: DLR },
    );
    expect(await wrong.testConnection()).toEqual({
      ok: false,
      message: 'Flowroute refused the access key and secret key (HTTP 401)',
    });
    const nowhere = new FlowrouteProvider(
      { accessKey: 'k', secretKey: 's' },
      { apiUrl: 'http://127.0.0.1:9/v2.1', timeoutMs: 1000, dlrCallbackUrl: DLR },
    );
    expect(await nowhere.testConnection()).toEqual({
      ok: false,
      message: expect.stringMatching(/^Could not reach Flowroute/),
    });
  });

  it('limits each Flowroute account to 5 SMS and 1 MMS a second, keyed without revealing the access key', () => {
    const sms = sut.rateLimit(message());
    const mms = sut.rateLimit(message({ mediaUrls: ['https://example.test/a.jpg'] }));
    expect(sms).toEqual({ key: expect.stringMatching(/^flowroute:[0-9a-f]{16}:sms$/), perSecond: 5 });
    expect(mms).toEqual({ key: expect.stringMatching(/^flowroute:[0-9a-f]{16}:mms$/), perSecond: 1 });
    expect(sms.key).not.toContain(fake.accessKey);
  });
});
