import { STREAMS_PER_USER } from '../../src/sms/rate-limits/rate-limits';
import { ReceivedEvent, SseClient, textIn } from '../support/conversations';
import { eventually, TestAccount, TestApp } from '../support/test-app';
import { underAttack } from './support/attack';
import { ConsoleBrowser, photoBystander, range } from './support/service';

const PASSWORD = 'the first password 1';
const BUSINESS = '+12025550100';

describe('sessions end when they should', () => {
  let t: TestApp;
  let acme: TestAccount;
  let bystander: () => Promise<void>;
  let customerPhone = 0;

  /** A technician of Acme with a console password: their email and id. */
  async function person(name: string): Promise<{ email: string; id: string; token: string }> {
    const email = `${name}@acme.test`;
    const { id, token } = await acme.technician(name, email);
    await acme.post(`/api/users/${id}/console-password`, { password: PASSWORD }).expect(204);
    return { email, id, token };
  }

  /** A customer texts Acme's shared number: an event every member's live stream hears. */
  async function customerTexts(body: string): Promise<string> {
    const phone = `+1201555${String(1000 + customerPhone++).padStart(4, '0')}`;
    await textIn(t, phone, BUSINESS, body);
    return phone;
  }

  const streams: SseClient[] = [];
  const liveStream = async (app: TestApp, browser: ConsoleBrowser) => {
    const stream = await SseClient.connect(app, '', { path: '/console/events', headers: browser.headers() });
    streams.push(stream);
    return stream;
  };
  const from = (phone: string) => (e: ReceivedEvent) => e.type === 'message.received' && e.data.contactPhone === phone;

  afterEach(() => {
    for (const stream of streams.splice(0)) stream.close();
  });

  beforeAll(async () => {
    t = await TestApp.start({
      suite: 'abuse-sessions',
      env: { TRUST_PROXY: 'loopback', STREAM_SESSION_CHECK_MS: '500' },
    });
    await t.app.listen(0, '127.0.0.1');
    acme = await t.account('Acme IT');
    const numberId = await acme.addNumber(BUSINESS, 'Front desk');
    await acme.patch(`/api/sms/numbers/${numberId}`, { kind: 'shared' }).expect(200);
    bystander = await photoBystander(t);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('ends the console live stream at sign-out, so later texts no longer reach it', async () => {
    const { email } = await person('sol');
    const browser = await new ConsoleBrowser(t, '198.51.100.1').signedIn(email, PASSWORD);
    const stream = await liveStream(t, browser);
    await stream.next(from(await customerTexts('Before sign-out')));

    const report = await underAttack(
      'sign-out with a live stream open',
      async () => {
        const answer = await browser.signOut();
        await stream.ended;
        return answer;
      },
      bystander,
    );
    expect(report.result.status).toBe(303);
    const after = await customerTexts('After sign-out');
    expect(stream.matching(from(after))).toEqual([]);
    expect((await browser.get('/console/inbox')).headers.location).toMatch(/^\/console\/sign-in/);
    expect(report.bystanderMaxMs).toBeLessThan(1000);
  });

  it('ends every live stream of a user whose password changes: at once in this process, at the next check in another', async () => {
    const tess = await person('tess');
    const browser = await new ConsoleBrowser(t, '198.51.100.2').signedIn(tess.email, PASSWORD);
    const second = await t.sibling('api');
    try {
      const here = await liveStream(t, browser);
      const there = await liveStream(second, browser);
      const before = await customerTexts('Before the new password');
      await here.next(from(before));
      await there.next(from(before));

      const report = await underAttack(
        'new password with streams in two processes',
        async () => {
          await acme.post(`/api/users/${tess.id}/console-password`, { password: 'a brand new password' }).expect(204);
          await Promise.all([here.ended, there.ended]);
        },
        bystander,
      );
      const after = await customerTexts('After the new password');
      expect([...here.events, ...there.events].filter(from(after))).toEqual([]);
      expect((await browser.get('/console/inbox')).headers.location).toMatch(/^\/console\/sign-in/);
      expect(report.bystanderMaxMs).toBeLessThan(1000);
    } finally {
      await second.close();
    }
  });

  it('refuses an invite link once the user has chosen a password, and keeps the password they chose', async () => {
    const { id } = await acme.technician('Uma', 'uma@acme.test');
    const invite = (await acme.post(`/api/users/${id}/console-invites`, {}).expect(201)).body as { url: string };
    const path = new URL(invite.url).pathname;
    const second = (await acme.post(`/api/users/${id}/console-invites`, {}).expect(201)).body as { url: string };
    const browser = new ConsoleBrowser(t, '198.51.100.3');
    // Uma chooses her password with the second link.
    const form = await browser.get(new URL(second.url).pathname);
    const token = /name="_csrf" value="([^"]+)"/.exec(form.text)![1];
    expect(
      (await browser.postForm(new URL(second.url).pathname, { _csrf: token, password: 'the one uma chose' })).status,
    ).toBe(200);

    const report = await underAttack(
      'an old invite link after the password was chosen',
      async () => [
        await browser.get(path),
        await browser.postForm(path, { _csrf: token, password: 'set by whoever holds the old link' }),
      ],
      bystander,
    );
    expect(report.result.map((a) => a.status)).toEqual([404, 404]);
    expect(report.result[1].text).toContain('This invite link is unknown, used or expired');
    expect(
      (await new ConsoleBrowser(t, '198.51.100.4').signIn('uma@acme.test', 'set by whoever holds the old link')).status,
    ).toBe(401);
    expect((await new ConsoleBrowser(t, '198.51.100.4').signIn('uma@acme.test', 'the one uma chose')).status).toBe(303);
    expect(report.bystanderMaxMs).toBeLessThan(1000);
  });

  it(`holds at most ${STREAMS_PER_USER} live streams per user across the console and the API; one more answers 429 until one closes`, async () => {
    const vera = await person('vera');
    const browser = await new ConsoleBrowser(t, '198.51.100.5').signedIn(vera.email, PASSWORD);
    const open: SseClient[] = [];
    const report = await underAttack(
      'a user opening live streams without end',
      async () => {
        for (let i = 0; i < STREAMS_PER_USER - 1; i++) open.push(await liveStream(t, browser));
        open.push(await SseClient.connect(t, vera.token));
        streams.push(open[open.length - 1]);
        return Promise.allSettled([
          ...range(5).map(() => liveStream(t, browser)),
          ...range(5).map(() => SseClient.connect(t, vera.token)),
        ]);
      },
      bystander,
    );
    expect(report.result.map((r) => (r.status === 'rejected' ? String(r.reason) : 'opened'))).toEqual(
      range(10).map(() => 'Error: SSE answered 429'),
    );
    const refused = await browser.get('/console/events');
    expect(refused.status).toBe(429);
    expect(refused.text).toContain(`At most ${STREAMS_PER_USER} live streams per user`);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);

    open.shift()!.close();
    const again = await eventually(
      () => liveStream(t, browser).catch(() => null),
      (s) => s !== null,
    );
    await again!.next(from(await customerTexts('Still live')));
    expect(report.bystanderMaxMs).toBeLessThan(1000);
  });
});
