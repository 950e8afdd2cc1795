import { TOKEN_FAILURES_PER_ADDRESS } from '../../src/helpdesk/auth/bearer-auth.guard';
import { PORTAL_FAILURES_PER_ADDRESS } from '../../src/helpdesk/portal/portal.service';
import { parseCsv } from '../../src/sms/csv/csv';
import { TestAccount, TestApp } from '../support/test-app';
import { underAttack } from './support/attack';
import { ConsoleBrowser, flood, photoBystander, range, statusCounts } from './support/service';

const LOOKUPS_PER_HOUR = 20;

describe('the HTTP surface under hostile requests', () => {
  let t: TestApp;
  let acme: TestAccount;
  let bystander: () => Promise<void>;

  beforeAll(async () => {
    t = await TestApp.start({
      suite: 'abuse-http',
      env: { TRUST_PROXY: 'loopback', PROVIDER_LOOKUPS_PER_HOUR: String(LOOKUPS_PER_HOUR) },
    });
    await t.app.listen(0, '127.0.0.1');
    acme = await t.account('Acme IT', { adminEmail: 'ada@acme.test', adminName: 'Ada Admin' });
    await acme.post('/api/users/me/console-password', { password: 'ada password 1' }).expect(204);
    bystander = await photoBystander(t);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('sends security headers on the API, health and the console, HSTS and Secure cookies from an https PUBLIC_URL', async () => {
    const browser = new ConsoleBrowser(t, '198.51.100.20');
    const report = await underAttack(
      'reading headers',
      async () => ({
        api: await acme.get('/api/sms/settings'),
        refused: await t.http().get('/api/sms/settings'),
        health: await t.http().get('/health'),
        signIn: await browser.signIn('ada@acme.test', 'ada password 1'),
        page: await browser.get('/console/tickets'),
      }),
      bystander,
    );
    const { api, refused, health, signIn, page } = report.result;
    expect([api.status, refused.status, health.status, signIn.status, page.status]).toEqual([200, 401, 200, 303, 200]);
    for (const answer of [api, refused, health, signIn, page]) {
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['strict-transport-security']).toMatch(/^max-age=\d+/);
      expect(answer.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(answer.headers['content-security-policy']).toMatch(/frame-ancestors '(self|none)'/);
      expect(answer.headers['x-powered-by']).toBeUndefined();
    }
    // The console keeps its own, stricter policy: scripts and styles from its own assets only.
    expect(page.headers['content-security-policy']).toContain("script-src 'self'; style-src 'self'");
    for (const cookie of signIn.headers['set-cookie'] as unknown as string[]) expect(cookie).toMatch(/; Secure/);
    // Health says what is up, and nothing more.
    expect(health.body).toEqual({
      status: 'ok',
      info: { postgres: { status: 'up' }, redis: { status: 'up' } },
      error: {},
      details: { postgres: { status: 'up' }, redis: { status: 'up' } },
    });
    expect(report.bystanderMaxMs).toBeLessThan(1000);
  });

  it('takes https from PUBLIC_URL only: over plain http a forged X-Forwarded-Proto gets no Secure cookie and no HSTS', async () => {
    const dev = await t.sibling('api', { PUBLIC_URL: 'http://localhost:3000' });
    try {
      const report = await underAttack(
        'forged X-Forwarded-Proto',
        () =>
          dev.http().get('/console/sign-in').set('X-Forwarded-Proto', 'https').set('X-Forwarded-For', '198.51.100.21'),
        bystander,
      );
      expect(report.result.status).toBe(200);
      expect(report.result.headers['strict-transport-security']).toBeUndefined();
      expect((await dev.http().get('/api/docs-json')).headers['content-security-policy']).not.toContain(
        'upgrade-insecure-requests',
      );
      for (const cookie of report.result.headers['set-cookie'] as unknown as string[])
        expect(cookie).not.toMatch(/Secure/);
      // Development (an http PUBLIC_URL): the API docs are on.
      expect((await dev.http().get('/api/docs-json')).status).toBe(200);
      expect(report.bystanderMaxMs).toBeLessThan(1000);
    } finally {
      await dev.close();
    }
  });

  it('serves no API docs where PUBLIC_URL is https unless API_DOCS=on, and then with security headers', async () => {
    const report = await underAttack(
      'probing the API docs',
      async () => [await t.http().get('/api/docs'), await t.http().get('/api/docs-json')],
      bystander,
    );
    expect(report.result.map((a) => a.status)).toEqual([404, 404]);
    const docs = await t.sibling('api', { API_DOCS: 'on' });
    try {
      const page = await docs.http().get('/api/docs/').redirects(1);
      expect(page.status).toBe(200);
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
      expect(page.headers['x-content-type-options']).toBe('nosniff');
      expect((await docs.http().get('/api/docs-json')).status).toBe(200);
    } finally {
      await docs.close();
    }
    expect(report.bystanderMaxMs).toBeLessThan(1000);
  });

  it('lists teams to admins only, as documented', async () => {
    const tech = await acme.technician('Tess Tech', 'tess@acme.test');
    await acme.post('/api/teams', { name: 'Support' }).expect(201);
    const report = await underAttack('a technician listing teams', () => acme.get('/api/teams', tech.token), bystander);
    expect(report.result.status).toBe(403);
    expect(report.result.body.message).toBe('Only an admin of this account may do this');
    expect((await acme.get('/api/teams').expect(200)).body).toEqual([expect.objectContaining({ name: 'Support' })]);
    expect(report.bystanderMaxMs).toBeLessThan(1000);
  });

  it('answers 400 to deeply nested JSON and stores nothing', async () => {
    const customerId = await acme.customer([{ number: '+12015550300', type: 'mobile' }]);
    const deep = `{"customerId":"${customerId}","subject":"Deep","problem":"x","extra":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const report = await underAttack(
      'deeply nested JSON',
      () =>
        t
          .http()
          .post('/api/tickets')
          .set('Authorization', `Bearer ${acme.adminToken}`)
          .set('Content-Type', 'application/json')
          .send(deep),
      bystander,
    );
    expect(report.result.status).toBe(400);
    expect(report.result.body.message).toBe('JSON nested deeper than 32 levels');
    expect(await t.db.query(`SELECT id FROM tickets WHERE subject = 'Deep'`)).toEqual([]);
    expect(report.bystanderMaxMs).toBeLessThan(1000);
  });

  it(`refuses an address that sent ${TOKEN_FAILURES_PER_ADDRESS} unknown bearer tokens before looking up any more`, async () => {
    const guess = (i: number) =>
      t
        .http()
        .get('/api/tickets/00000000-0000-4000-8000-000000000000')
        .set('X-Forwarded-For', '203.0.113.90')
        .set('Authorization', `Bearer tsk_guess${i}`);
    const report = await underAttack('200 guessed bearer tokens', () => flood(200, 25, guess), bystander);
    const counts = statusCounts(report.result);
    expect(counts[401]).toBeLessThanOrEqual(TOKEN_FAILURES_PER_ADDRESS + 25);
    expect(counts[429]).toBeGreaterThanOrEqual(200 - TOKEN_FAILURES_PER_ADDRESS - 25);
    expect(Number(report.result.find((a) => a.status === 429)!.headers['retry-after'])).toBeGreaterThan(0);
    // Others are not held back by it.
    await acme.get('/api/teams').set('X-Forwarded-For', '198.51.100.90').expect(200);
    expect(report.bystanderMaxMs).toBeLessThan(1000);
  });

  it(`refuses an address that tried ${PORTAL_FAILURES_PER_ADDRESS} unknown portal links; real links keep working elsewhere`, async () => {
    const customerId = await acme.customer([{ number: '+12015550301', type: 'mobile' }]);
    const ticket = await acme.ticket(customerId);
    const [{ portal_token: token }] = (await t.db.query(`SELECT portal_token FROM tickets WHERE id = $1`, [
      ticket.id,
    ])) as { portal_token: string }[];
    const guess = (i: number) =>
      t
        .http()
        .get(`/portal/tickets/guessedLinkNumber${String(i).padStart(8, '0')}`)
        .set('X-Forwarded-For', '203.0.113.91');
    const report = await underAttack('100 guessed portal links', () => flood(100, 25, guess), bystander);
    const counts = statusCounts(report.result);
    expect(counts[404]).toBeLessThanOrEqual(PORTAL_FAILURES_PER_ADDRESS + 25);
    expect(counts[429]).toBeGreaterThanOrEqual(100 - PORTAL_FAILURES_PER_ADDRESS - 25);
    const page = await t.http().get(`/portal/tickets/${token}`).set('X-Forwarded-For', '198.51.100.91');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['strict-transport-security']).toMatch(/^max-age=/);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(report.bystanderMaxMs).toBeLessThan(1000);
  });

  it(`asks the provider about at most ${LOOKUPS_PER_HOUR} numbers an hour for one account's bulk imports, and escapes what it writes back as CSV`, async () => {
    const numbers = range(30).map((i) => `+1202555${String(3000 + i)}`);
    // The platform gave the account these numbers; what is budgeted is the bulk import's own look-ups.
    for (const n of numbers) await acme.assignNumber(n);
    const lookups = () =>
      t.twilio.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/IncomingPhoneNumbers.json')).length;
    const before = lookups();
    const csv = [
      'number,user_email',
      ...numbers.map((n) => `${n},ada@acme.test`),
      '-2-3,Bob;=1+2',
      '"=HYPERLINK(""http://x"")",ada@acme.test',
    ].join('\n');
    const report = await underAttack(
      'a bulk import of 32 lines',
      () =>
        t
          .http()
          .post('/api/sms/numbers/bulk')
          .set('Authorization', `Bearer ${acme.adminToken}`)
          .set('Content-Type', 'text/csv')
          .send(csv),
      bystander,
    );
    expect(report.result.status).toBe(201);
    expect(report.result.body).toMatchObject({ rows: 32, applied: LOOKUPS_PER_HOUR, failed: 32 - LOOKUPS_PER_HOUR });
    expect(lookups() - before).toBe(LOOKUPS_PER_HOUR);
    const refused = (report.result.body.errors as { line: number; reason: string }[]).filter((e) =>
      e.reason.startsWith('not checked'),
    );
    expect(refused).toHaveLength(30 - LOOKUPS_PER_HOUR);
    expect(refused[0].reason).toMatch(
      new RegExp(
        `^not checked: this account's ${LOOKUPS_PER_HOUR} number lookups for the hour are used up; import this line again after \\d\\d:\\d\\d UTC$`,
      ),
    );

    const log = await acme.get(report.result.body.errorLog).expect(200);
    // Every cell quoted; formulas defused with a leading quote, so a spreadsheet shows them as text.
    expect(log.text).toContain(`"'-2-3","Bob;=1+2"`);
    expect(log.text).toContain(`"'=HYPERLINK(""http://x"")","ada@acme.test"`);
    expect(parseCsv(log.text).every((r) => r.fields.every((f) => !/^[=+\-@]/.test(f) || /^[+-]?\d+$/.test(f)))).toBe(
      true,
    );
    expect(report.bystanderMaxMs).toBeLessThan(1000);
  });
});
