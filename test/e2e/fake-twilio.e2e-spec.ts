/**
 * Proves the fake speaks the wire format of the official twilio-node SDK (v6), by driving it with that SDK.
 * The recipe for pointing the SDK elsewhere is documented at the top of fake-twilio.ts.
 */
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import { FakeTwilio, rfc2822, signTwilioRequest, twilioForm } from '../fakes/fake-twilio';

const FROM = '+15005550006';
const TO = '+15551230001';
const OTHER_TO = '+15551230002';

/** The error a promise rejects with (fails the test if it resolves). */
async function rejectionOf(p: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await p;
  } catch (err) {
    return err as Record<string, unknown>;
  }
  throw new Error('expected the promise to reject');
}

describe('FakeTwilio against twilio-node', () => {
  let fake: FakeTwilio;
  let client: twilio.Twilio;

  beforeAll(async () => {
    fake = await FakeTwilio.start();
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => {
    fake.reset();
    client = fake.sdkClient({ timeout: 5_000 });
  });

  describe('Messages.json create', () => {
    it('counts segments at the one-segment edges as Twilio does', async () => {
      const segments = async (body: string) => (await client.messages.create({ to: TO, from: FROM, body })).numSegments;
      expect(await segments('a'.repeat(160))).toBe('1');
      expect(await segments('a'.repeat(161))).toBe('2');
      expect(await segments('a'.repeat(159) + '^')).toBe('2'); // an escape takes two of the 160 septets
      expect(await segments('a'.repeat(159) + '€')).toBe('2');
      expect(await segments('a'.repeat(70) + '`')).toBe('2'); // not GSM-7: UCS-2, 70 a segment
      expect(await segments('Ünïcode ok: £5 @ 10:30')).toBe('1');
    });

    it('returns the sid and num_segments as a string, and records the form the SDK posted', async () => {
      const short = await client.messages.create({
        to: TO,
        from: FROM,
        body: 'Your ticket #42 was updated',
        statusCallback: 'https://desk.example/cb?t=1',
      });
      const long = await client.messages.create({ to: TO, from: FROM, body: 'x'.repeat(200) });
      const ucs2 = await client.messages.create({ to: TO, from: FROM, body: '🙂'.repeat(40) });

      expect(short.sid).toMatch(/^SM[0-9a-f]{32}$/);
      expect(short.numSegments).toBe('1');
      expect(long.numSegments).toBe('2');
      expect(ucs2.numSegments).toBe('2'); // 80 UTF-16 code units > 70 per UCS-2 segment
      expect(short).toMatchObject({
        accountSid: fake.accountSid,
        to: TO,
        from: FROM,
        status: 'queued',
        direction: 'outbound-api',
        numMedia: '0',
        dateSent: null,
        errorCode: null,
        errorMessage: null,
        price: null,
        uri: `${fake.accountPath}/Messages/${short.sid}.json`,
      });
      expect(short.dateCreated).toBeInstanceOf(Date); // the SDK parsed our RFC 2822 date
      expect(Math.abs(short.dateCreated.getTime() - Date.now())).toBeLessThan(5_000);

      const sent = fake.sentMessages();
      expect(sent.map((m) => m.sid)).toEqual([short.sid, long.sid, ucs2.sid]);
      expect(sent[0]).toMatchObject({
        to: TO,
        from: FROM,
        body: 'Your ticket #42 was updated',
        statusCallback: 'https://desk.example/cb?t=1',
        responseStatus: 201,
      });
      const req = sent[0].request;
      expect(req.method).toBe('POST');
      expect(req.path).toBe(`/2010-04-01/Accounts/${fake.accountSid}/Messages.json`);
      expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(req.headers.authorization).toBe(fake.basicAuth);
      expect(req.headers['user-agent']).toMatch(/^twilio-node\/6\./);
      expect(req.form).toEqual({
        To: TO,
        From: FROM,
        Body: 'Your ticket #42 was updated',
        StatusCallback: 'https://desk.example/cb?t=1',
      });
    });

    it('answers the raw JSON shape Twilio does', async () => {
      const res = await fetch(`${fake.url}${fake.accountPath}/Messages.json`, {
        method: 'POST',
        headers: { authorization: fake.basicAuth, 'content-type': 'application/x-www-form-urlencoded' },
        body: twilioForm({ To: TO, From: FROM, Body: 'hi' }),
      });
      expect(res.status).toBe(201);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const json = (await res.json()) as Record<string, unknown>;
      expect(json).toMatchObject({
        account_sid: fake.accountSid,
        to: TO,
        from: FROM,
        body: 'hi',
        status: 'queued',
        num_segments: '1',
        num_media: '0',
        direction: 'outbound-api',
        date_sent: null,
        error_code: null,
        error_message: null,
        price: null,
      });
      expect(json.date_created).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
      expect(json.uri).toBe(`${fake.accountPath}/Messages/${String(json.sid)}.json`);
    });

    it('sends repeated MediaUrl, and MessagingServiceSid without From', async () => {
      const mms = await client.messages.create({
        to: TO,
        from: FROM,
        body: 'see attached',
        mediaUrl: ['https://a.example/1.jpg', 'https://a.example/2.png'],
      });
      const viaService = await client.messages.create({
        to: TO,
        messagingServiceSid: 'MG' + 'a'.repeat(32),
        body: 'hello',
      });

      expect(mms.numMedia).toBe('2');
      expect(mms.numSegments).toBe('1');
      const [sentMms, sentService] = fake.sentMessages();
      expect(sentMms.mediaUrls).toEqual(['https://a.example/1.jpg', 'https://a.example/2.png']);
      expect(sentMms.request.rawBody.match(/MediaUrl=/g)).toHaveLength(2);
      expect(viaService).toMatchObject({ from: null, messagingServiceSid: 'MG' + 'a'.repeat(32), status: 'accepted' });
      expect(sentService).toMatchObject({ from: null, messagingServiceSid: 'MG' + 'a'.repeat(32) });
    });

    it('rejects bad basic auth with 401 / 20003', async () => {
      const wrong = twilio(fake.accountSid, 'not-the-token-not-the-token-0000', {});
      wrong.api.baseUrl = fake.url;
      const err = await rejectionOf(wrong.messages.create({ to: TO, from: FROM, body: 'x' }));
      expect(err).toBeInstanceOf(twilio.RestException);
      expect(err).toMatchObject({
        status: 401,
        code: 20003,
        message: 'Authenticate',
        moreInfo: 'https://www.twilio.com/docs/errors/20003',
      });
      expect(fake.sentMessages()).toHaveLength(0);
      expect(fake.requests[0].authorized).toBe(false);
    });
  });

  describe('fault cues', () => {
    it('failNext 429 → RestException { status: 429, code: 20429 }, then the next send works', async () => {
      fake.failNext(1, { status: 429 });
      const err = await rejectionOf(client.messages.create({ to: TO, from: FROM, body: 'x' }));
      expect(err).toBeInstanceOf(twilio.RestException);
      expect(err).toMatchObject({
        status: 429,
        code: 20429,
        message: 'Too Many Requests',
        moreInfo: 'https://www.twilio.com/docs/errors/20429',
      });
      expect(fake.sentMessages()).toHaveLength(0);

      await expect(client.messages.create({ to: TO, from: FROM, body: 'x' })).resolves.toMatchObject({
        status: 'queued',
      });
      expect(fake.sendAttempts().map((r) => r.status)).toEqual([429, 201]);
    });

    it('maps 21211 (invalid To) and 21610 (opted out) to 400 RestExceptions', async () => {
      fake.rejectRecipient(OTHER_TO, 21610).rejectRecipient('+15551239999', 21211);

      const invalid = await rejectionOf(client.messages.create({ to: 'not-a-number', from: FROM, body: 'x' }));
      expect(invalid).toMatchObject({
        status: 400,
        code: 21211,
        message: "The 'To' number not-a-number is not a valid phone number.",
      });
      const cued = await rejectionOf(client.messages.create({ to: '+15551239999', from: FROM, body: 'x' }));
      expect(cued).toMatchObject({ status: 400, code: 21211 });
      const stopped = await rejectionOf(client.messages.create({ to: OTHER_TO, from: FROM, body: 'x' }));
      expect(stopped).toBeInstanceOf(twilio.RestException);
      expect(stopped).toMatchObject({ status: 400, code: 21610, moreInfo: 'https://www.twilio.com/docs/errors/21610' });
      expect(fake.sentMessages()).toHaveLength(0);
    });

    it('failNext 500 createdAnyway: the client sees an error but the message exists (ambiguous case)', async () => {
      fake.failNext(1, { status: 500, createdAnyway: true }).failNext(1, { status: 503 });
      const ambiguous = await rejectionOf(client.messages.create({ to: TO, from: FROM, body: 'first' }));
      expect(ambiguous).toMatchObject({ status: 500, code: 20500 });
      const clean = await rejectionOf(client.messages.create({ to: TO, from: FROM, body: 'second' }));
      expect(clean).toMatchObject({ status: 503, code: 20503 });

      expect(fake.sentMessages()).toEqual([expect.objectContaining({ body: 'first', responseStatus: 500 })]);
      const found = await client.messages.list({ to: TO, from: FROM });
      expect(found.map((m) => m.body)).toEqual(['first']);
      expect(() => fake.failNext(1, { status: 429, createdAnyway: true })).toThrow(/500 or 503/);
    });

    it('hangNext + SDK timeout → AxiosError ECONNABORTED; createdAnyway leaves a findable message', async () => {
      const impatient = fake.sdkClient({ timeout: 300 });
      fake.hangNext(1, { createdAnyway: true });
      const started = Date.now();
      const err = await rejectionOf(impatient.messages.create({ to: TO, from: FROM, body: 'did it go?' }));

      // The fake held the request until the client gave up (the error names that timeout), not answered early.
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(err).not.toBeInstanceOf(twilio.RestException);
      expect(err).toMatchObject({
        name: 'AxiosError',
        code: 'ECONNABORTED',
        message: 'timeout of 300ms exceeded',
        isAxiosError: true,
      });
      expect(err.response).toBeUndefined();
      expect(err.status).toBeUndefined();
      expect(fake.sendAttempts()[0].hung).toBe(true);
      expect(fake.sendAttempts()[0].status).toBeUndefined();

      const found = await impatient.messages.list({ to: TO, from: FROM, dateSentAfter: new Date(started - 1_000) });
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ sid: fake.sentMessages()[0].sid, body: 'did it go?', status: 'sent' });
      expect(fake.sentMessages()[0].responseStatus).toBeNull();
    });

    it('connection refused → AxiosError ECONNREFUSED (whose `name` is copied from the socket error: "Error")', async () => {
      const gone = await FakeTwilio.start();
      const deadClient = gone.sdkClient({ timeout: 2_000 });
      await gone.close();
      const err = await rejectionOf(deadClient.messages.create({ to: TO, from: FROM, body: 'x' }));
      expect(err).not.toBeInstanceOf(twilio.RestException);
      expect(err).toMatchObject({
        name: 'Error',
        code: 'ECONNREFUSED',
        isAxiosError: true,
        message: `connect ECONNREFUSED 127.0.0.1:${gone.port}`,
      });
      expect(err.constructor.name).toBe('AxiosError');
      expect(err.cause).toMatchObject({ code: 'ECONNREFUSED', syscall: 'connect' });
      expect(err.response).toBeUndefined();
      expect(err.status).toBeUndefined();
      // Axios errors carry the request config, Authorization header included: never log them whole.
      expect(JSON.stringify((err.config as { headers: unknown }).headers)).toContain('Basic ');
    });

    it('setLatency delays the answer', async () => {
      fake.setLatency(200);
      const started = Date.now();
      await client.messages.create({ to: TO, from: FROM, body: 'slow' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    });

    it('reset() clears cues, records and state', async () => {
      fake.failNext(3, { status: 429 }).hangNext(1).rejectRecipient(TO, 21610).setLatency(1_000);
      fake.ownNumber(FROM);
      fake.reset();
      await client.messages.create({ to: TO, from: FROM, body: 'x' });
      expect(fake.requests).toHaveLength(1);
      expect(await client.incomingPhoneNumbers.list({ phoneNumber: FROM })).toHaveLength(0);
    });
  });

  describe('Messages.json list', () => {
    it('filters by To, From and DateSent> and pages through next_page_uri', async () => {
      const before = new Date(Date.now() - 2_000);
      await client.messages.create({ to: TO, from: FROM, body: 'one' });
      await client.messages.create({ to: OTHER_TO, from: FROM, body: 'other recipient' });
      await client.messages.create({ to: TO, from: '+15005550007', body: 'other sender' });
      await client.messages.create({ to: TO, from: FROM, body: 'two' });

      const mine = await client.messages.list({ to: TO, from: FROM, dateSentAfter: before });
      expect(mine.map((m) => m.body)).toEqual(['two', 'one']); // newest first
      const listReq = fake.requests.find((r) => r.method === 'GET')!;
      expect(Object.keys(listReq.query)).toEqual(['To', 'From', 'DateSent>']);
      expect(listReq.url).toContain('DateSent%3E=');
      expect(listReq.query['DateSent>']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

      expect(await client.messages.list({ to: TO, dateSentAfter: new Date(Date.now() + 60_000) })).toHaveLength(0);
      expect(await client.messages.list({ to: TO, dateSentBefore: new Date(Date.now() - 60_000) })).toHaveLength(0);
      expect(await client.messages.list({ to: TO, dateSent: new Date() })).toHaveLength(3);

      fake.requests.length = 0;
      const paged = await client.messages.list({ to: TO, pageSize: 2 });
      expect(paged.map((m) => m.body)).toEqual(['two', 'other sender', 'one']);
      expect(fake.requests.map((r) => r.query.Page)).toEqual([undefined, '1']);
      expect(fake.requests[1].query.PageToken).toBeDefined();
    });

    it('answers Twilio’s paging envelope', async () => {
      await client.messages.create({ to: TO, from: FROM, body: 'x' });
      const res = await fetch(`${fake.url}${fake.accountPath}/Messages.json?To=${encodeURIComponent(TO)}`, {
        headers: { authorization: fake.basicAuth },
      });
      const page = (await res.json()) as Record<string, unknown>;
      expect(res.status).toBe(200);
      expect(page).toMatchObject({
        page: 0,
        page_size: 50,
        start: 0,
        end: 0,
        next_page_uri: null,
        previous_page_uri: null,
      });
      expect(page.messages).toHaveLength(1);
      expect(page.uri).toBe(`${fake.accountPath}/Messages.json?To=%2B15551230001&PageSize=50&Page=0`);
    });

    it('fetches one message by sid', async () => {
      const created = await client.messages.create({ to: TO, from: FROM, body: 'fetch me' });
      const fetched = await client.messages(created.sid).fetch();
      expect(fetched).toMatchObject({ sid: created.sid, body: 'fetch me', status: 'sent' });
      expect(fetched.dateSent).toBeInstanceOf(Date);
      fake.updateMessage(created.sid, {
        status: 'undelivered',
        error_code: 30003,
        error_message: 'Unreachable destination handset',
      });
      expect(await client.messages(created.sid).fetch()).toMatchObject({ status: 'undelivered', errorCode: 30003 });
    });
  });

  describe('IncomingPhoneNumbers.json', () => {
    it('finds numbers registered with ownNumber()', async () => {
      const sid = fake.ownNumber(FROM, { friendlyName: 'Support line' });
      const hit = await client.incomingPhoneNumbers.list({ phoneNumber: FROM });
      expect(hit).toHaveLength(1);
      expect(hit[0]).toMatchObject({
        sid,
        phoneNumber: FROM,
        friendlyName: 'Support line',
        accountSid: fake.accountSid,
      });
      expect(hit[0].capabilities).toMatchObject({ sms: true, mms: true });
      expect(await client.incomingPhoneNumbers.list({ phoneNumber: '+15550000000' })).toHaveLength(0);
      expect(fake.requests[0].url).toContain('PhoneNumber=%2B15005550006');

      // A hand-written, unencoded '+' (decodes to a space) still matches, as on Twilio.
      const raw = await fetch(`${fake.url}${fake.accountPath}/IncomingPhoneNumbers.json?PhoneNumber=${FROM}`, {
        headers: { authorization: fake.basicAuth },
      });
      const body = (await raw.json()) as { incoming_phone_numbers: { phone_number: string }[] };
      expect(body.incoming_phone_numbers.map((n) => n.phone_number)).toEqual([FROM]);
    });
  });

  describe('media', () => {
    const MM = 'MM' + 'b'.repeat(32);
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

    it('needs basic auth, redirects to the CDN, and the CDN never receives Authorization', async () => {
      const url = fake.addMedia(MM, { contentType: 'image/png', body: png });
      expect(url).toMatch(
        new RegExp(
          `^http://127\\.0\\.0\\.1:${fake.port}/2010-04-01/Accounts/${fake.accountSid}/Messages/${MM}/Media/ME[0-9a-f]{32}$`,
        ),
      );

      const anonymous = await fetch(url, { redirect: 'manual' });
      expect(anonymous.status).toBe(401);
      expect(await anonymous.json()).toMatchObject({ code: 20003, status: 401 });

      const first = await fetch(url, { headers: { authorization: fake.basicAuth }, redirect: 'manual' });
      expect(first.status).toBe(302);
      const location = first.headers.get('location')!;
      expect(location.startsWith(`${fake.cdnUrl}/`)).toBe(true);
      expect(new URL(location).hostname).toBe('localhost');

      const bytes = await fetch(location);
      expect(bytes.status).toBe(200);
      expect(bytes.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await bytes.arrayBuffer())).toEqual(png);

      expect(fake.cdnRequests).toHaveLength(1);
      expect(fake.cdnRequests.every((r) => !r.hadAuthorization)).toBe(true);
    });

    it('Node fetch following the redirect itself drops Authorization on the cross-origin hop', async () => {
      const url = fake.addMedia(MM, { contentType: 'image/png', body: png });
      const res = await fetch(url, { headers: { authorization: fake.basicAuth } });
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer())).toEqual(png);
      expect(fake.cdnRequests.map((r) => r.hadAuthorization)).toEqual([false]);
    });

    it('notFoundTimes, noRedirect, metadata, list and DELETE (also through the SDK)', async () => {
      const slow = fake.addMedia(MM, { contentType: 'image/jpeg', body: png, notFoundTimes: 2 });
      const auth = { authorization: fake.basicAuth };
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await fetch(slow, { headers: auth, redirect: 'manual' })).status);
      expect(statuses).toEqual([404, 404, 302]);

      const direct = fake.addMedia(MM, {
        contentType: 'application/pdf',
        body: Buffer.from('%PDF-1.4'),
        noRedirect: true,
      });
      const res = await fetch(direct, { headers: auth, redirect: 'manual' });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/pdf');
      expect(await res.text()).toBe('%PDF-1.4');

      const listed = await client.messages(MM).media.list();
      expect(listed.map((m) => m.contentType).sort()).toEqual(['application/pdf', 'image/jpeg']);

      const del = await fetch(direct, { method: 'DELETE', headers: auth });
      expect(del.status).toBe(204);
      expect(fake.hasMedia(direct)).toBe(false);
      expect((await fetch(direct, { headers: auth, redirect: 'manual' })).status).toBe(404);

      const slowSid = slow.split('/').pop()!;
      await expect(client.messages(MM).media(slowSid).remove()).resolves.toBe(true);
      expect(fake.hasMedia(slowSid)).toBe(false);
    });
  });

  describe('recipes and helpers', () => {
    it('custom httpClient that rewrites opts.uri also works, but then the client `timeout` option is ignored', async () => {
      const base = fake.url;
      class RedirectingClient extends twilio.RequestClient {
        override request<T>(opts: RequestClient.RequestOptions<T>) {
          const u = new URL(opts.uri);
          return super.request({ ...opts, uri: base + u.pathname + u.search });
        }
      }
      const viaHttpClient = twilio(fake.accountSid, fake.authToken, {
        httpClient: new RedirectingClient(),
        timeout: 1_234,
      });
      const msg = await viaHttpClient.messages.create({ to: TO, from: FROM, body: 'via httpClient' });
      expect(msg.sid).toMatch(/^SM/);
      expect(viaHttpClient.httpClient.defaultTimeout).toBe(30_000); // not 1234
      expect(new RedirectingClient({ timeout: 1_234 }).defaultTimeout).toBe(1_234);
      expect(fake.sdkClient({ timeout: 1_234 }).httpClient.defaultTimeout).toBe(1_234);
    });

    it('edge/region would rewrite the fake host name (so never set them with a custom base URL)', () => {
      const c = fake.sdkClient();
      expect(c.getHostname('127.0.0.1', undefined, undefined)).toBe('127.0.0.1');
      expect(c.getHostname('127.0.0.1', undefined, 'us1')).toBe('127.us1.0.1');
    });

    it('signTwilioRequest matches the SDK validator; twilioForm encodes like the SDK', () => {
      const url = 'https://desk.example/sms/status?tenant=7';
      const params = { MessageSid: 'SM' + 'c'.repeat(32), MessageStatus: 'delivered', To: TO, MediaUrl: ['b', 'a'] };
      const signature = signTwilioRequest(fake.authToken, url, params);
      expect(signature).toMatch(/^[A-Za-z0-9+/]{27}=$/);
      expect(twilio.validateRequest(fake.authToken, signature, url, params)).toBe(true);
      expect(twilio.validateRequest(fake.authToken, signature, url, { ...params, MessageStatus: 'failed' })).toBe(
        false,
      );

      expect(twilioForm({ To: TO, Body: "it's (ok)! a b*", MediaUrl: ['x', 'y'] })).toBe(
        'To=%2B15551230001&Body=it%27s%20%28ok%29%21%20a%20b%2A&MediaUrl=x&MediaUrl=y',
      );
      expect(rfc2822(new Date(Date.UTC(2015, 6, 30, 20, 12, 31)))).toBe('Thu, 30 Jul 2015 20:12:31 +0000');
    });
  });
});
