/** Proves the fake speaks the slice of Flowroute's Messages API v2.1 that the Flowroute provider relies on. */
import {
  FakeFlowroute,
  flowrouteBasicAuth,
  flowrouteDeliveryReceipt,
  flowrouteInboundBody,
} from '../fakes/fake-flowroute';

const FROM = '12025550100';
const TO = '12015550123';

describe('FakeFlowroute', () => {
  let sut: FakeFlowroute;

  beforeAll(async () => {
    sut = await FakeFlowroute.start();
  });
  afterAll(() => sut.close());
  beforeEach(() => sut.reset());

  const post = (
    body: unknown,
    authorization: string | null = sut.basicAuth,
    contentType = 'application/vnd.api+json',
  ) =>
    fetch(`${sut.url}/messages`, {
      method: 'POST',
      headers: { 'content-type': contentType, ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(body),
    });
  const get = (path: string, authorization = sut.basicAuth) =>
    fetch(`${sut.url}${path}`, { headers: { authorization } });

  it('answers 202 with the record id, and records the JSON body and the account', async () => {
    const res = await post({
      to: TO,
      from: FROM,
      body: 'Your ticket #1001 was updated',
      dlr_callback: 'https://desk.example/dlr?m=1',
    });
    expect(res.status).toBe(202);
    const answer = (await res.json()) as { data: { id: string; type: string } };
    expect(answer.data).toMatchObject({ id: expect.stringMatching(/^mdr2-[0-9a-f]{32}$/), type: 'message' });

    const [sent] = sut.sentMessages();
    expect(sent).toMatchObject({
      id: answer.data.id,
      accessKey: sut.accessKey,
      to: TO,
      from: FROM,
      body: 'Your ticket #1001 was updated',
      dlrCallback: 'https://desk.example/dlr?m=1',
      responseStatus: 202,
    });
    expect(sut.sendAttempts()).toHaveLength(1);
    expect(sut.requests[0].headers['content-type']).toBe('application/vnd.api+json');

    const lookup = await get(`/messages/${answer.data.id}`);
    expect(lookup.status).toBe(200);
    const record = (await lookup.json()) as { data: { attributes: Record<string, unknown> } };
    expect(record.data.attributes).toMatchObject({
      direction: 'outbound',
      to: TO,
      from: FROM,
      body: 'Your ticket #1001 was updated',
      is_mms: false,
    });
  });

  it('checks basic auth on every request and keeps accounts apart', async () => {
    const anonymous = await post({ to: TO, from: FROM, body: 'x' }, null);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({
      errors: [
        expect.objectContaining({ status: 401, title: 'Unauthorized', detail: expect.stringMatching(/access key/) }),
      ],
    });
    expect(
      (await post({ to: TO, from: FROM, body: 'x' }, flowrouteBasicAuth(sut.accessKey, 'wrong-secret'))).status,
    ).toBe(401);
    expect(sut.sentMessages()).toHaveLength(0);

    sut.addAccount('55550001', 'second-account-secret-0123456789');
    const other = flowrouteBasicAuth('55550001', 'second-account-secret-0123456789');
    const created = (await (await post({ to: TO, from: FROM, body: 'from the other account' }, other)).json()) as {
      data: { id: string };
    };
    expect(sut.sentMessages('55550001')).toHaveLength(1);
    expect((await get(`/messages/${created.data.id}`)).status).toBe(404);
    expect((await get(`/messages/${created.data.id}`, other)).status).toBe(200);
  });

  it('refuses bad numbers, missing or long bodies, unowned senders and rejected recipients with error arrays', async () => {
    const errorOf = async (res: Response) => ({
      status: res.status,
      detail: ((await res.json()) as { errors: { detail: string }[] }).errors[0].detail,
    });
    expect(await errorOf(await post({ to: '+12015550123', from: FROM, body: 'x' }))).toEqual({
      status: 400,
      detail: expect.stringMatching(/11-digit/),
    });
    expect(await errorOf(await post({ to: TO, from: FROM }))).toEqual({
      status: 400,
      detail: expect.stringMatching(/body/),
    });
    expect(await errorOf(await post({ to: TO, from: FROM, body: 'x'.repeat(1601) }))).toEqual({
      status: 422,
      detail: expect.stringMatching(/1600/),
    });
    sut.ownNumber('12025550199');
    expect(await errorOf(await post({ to: TO, from: FROM, body: 'x' }))).toEqual({
      status: 403,
      detail: expect.stringMatching(/not on your account/),
    });
    sut.ownNumber(FROM).rejectRecipient(TO);
    expect((await errorOf(await post({ to: TO, from: FROM, body: 'x' }))).status).toBe(400);
    expect(sut.sentMessages()).toHaveLength(0);
    expect((await post({ to: '12015550124', from: FROM, body: 'x' }, sut.basicAuth, 'application/json')).status).toBe(
      202,
    );
  });

  it('answers 429 on cue with Retry-After, then accepts again', async () => {
    sut.failNext(2, { status: 429 });
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await post({ to: TO, from: FROM, body: `try ${i}` }));
    expect(answers.map((r) => r.status)).toEqual([429, 429, 202]);
    expect(answers[0].headers.get('retry-after')).toBe('1');
    expect(sut.sendAttempts()).toHaveLength(3);
    expect(sut.sentMessages().map((m) => m.body)).toEqual(['try 2']);
  });

  it('can fail after storing the message, and lists records by date range, newest first, with paging', async () => {
    const before = new Date(Date.now() - 1000).toISOString();
    await post({ to: TO, from: FROM, body: 'one' });
    sut.failNext(1, { status: 500, createdAnyway: true });
    expect((await post({ to: TO, from: FROM, body: 'two' })).status).toBe(500);
    await post({ to: TO, from: FROM, body: 'three' });

    const page1 = (await (await get(`/messages?start_date=${encodeURIComponent(before)}&limit=2`)).json()) as {
      data: { attributes: { body: string } }[];
      links: { next: string | null };
    };
    expect(page1.data.map((m) => m.attributes.body)).toEqual(['three', 'two']);
    expect(page1.links.next).toContain('offset=2');
    const page2 = (await (await get(page1.links.next!.replace('/v2.1', ''))).json()) as {
      data: { attributes: { body: string } }[];
      links: { next: string | null };
    };
    expect(page2.data.map((m) => m.attributes.body)).toEqual(['one']);
    expect(page2.links.next).toBeNull();

    const future = new Date(Date.now() + 60_000).toISOString();
    expect(
      ((await (await get(`/messages?start_date=${encodeURIComponent(future)}`)).json()) as { data: unknown[] }).data,
    ).toHaveLength(0);
    expect((await get('/messages')).status).toBe(400);
  });

  it('never answers a hung request', async () => {
    sut.hangNext(1, { createdAnyway: true });
    const outcome = await fetch(`${sut.url}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: sut.basicAuth },
      body: JSON.stringify({ to: TO, from: FROM, body: 'did it go?' }),
      signal: AbortSignal.timeout(300),
    }).then(
      () => 'answered',
      (e: Error) => e.name,
    );
    expect(outcome).toBe('TimeoutError');
    expect(sut.sendAttempts()[0].hung).toBe(true);
    expect(sut.sentMessages()[0]).toMatchObject({ body: 'did it go?', responseStatus: null });
  }, 10_000);

  it('serves MMS media on its own host without auth, and records who asked', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const item = sut.addMedia({ contentType: 'image/png', body: png, fileName: 'photo.png' });
    expect(new URL(item.url).host).toBe(sut.mediaHost);
    expect(item).toMatchObject({ mimeType: 'image/png', fileSize: png.length, fileName: 'photo.png' });

    const res = await fetch(item.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(png);
    expect((await fetch(`${sut.mediaUrl}/flowroute-messaging-media/${'0'.repeat(32)}`)).status).toBe(404);
    expect(sut.mediaRequests.map((r) => [r.status, r.hadAuthorization])).toEqual([
      [200, false],
      [404, false],
    ]);
  });

  it('builds inbound and delivery-receipt callback bodies in Flowroute’s JSON:API shapes', () => {
    const media = [
      {
        url: 'https://s3.us-west-2.amazonaws.com/flowroute-messaging-media/abc',
        mimeType: 'image/jpeg',
        fileSize: 1234,
      },
    ];
    const mms = flowrouteInboundBody({ id: 'mdr2-abc', from: TO, to: FROM, body: null, media });
    expect(mms.data).toMatchObject({
      id: 'mdr2-abc',
      type: 'message',
      attributes: { from: TO, to: FROM, body: null, is_mms: true, direction: 'inbound' },
    });
    expect(mms.included).toEqual([
      expect.objectContaining({
        type: 'media',
        attributes: expect.objectContaining({ url: media[0].url, mime_type: 'image/jpeg', file_size: 1234 }),
      }),
    ]);
    expect(mms.data.relationships?.media.data).toEqual([{ id: mms.included![0].id, type: 'media' }]);
    const sms = flowrouteInboundBody({ from: TO, to: FROM, body: 'hello' });
    expect(sms.data.attributes.is_mms).toBe(false);
    expect(sms).not.toHaveProperty('included');

    const dlr = flowrouteDeliveryReceipt({ id: 'mdr2-abc', level: 2, status: 'delivered', statusCode: 1000 });
    expect(dlr.data).toMatchObject({
      id: 'mdr2-abc',
      type: 'delivery_receipt',
      attributes: { level: 2, status: 'delivered', status_code: '1000' },
    });
  });
});
