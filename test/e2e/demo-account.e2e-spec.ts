import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedDemoAccount } from '../../src/demo-seed';
import { PUBLIC_URL, TestApp } from '../support/test-app';

/** Cookies a response sets, as one Cookie header value. */
function cookiesOf(res: { headers: Record<string, unknown> }): string {
  const set = (res.headers['set-cookie'] as string[] | undefined) ?? [];
  return set.map((c) => c.split(';')[0]).join('; ');
}

function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('the page has no form token');
  return match[1];
}

describe('the demo account a first `npm start` creates', () => {
  let t: TestApp;
  let dir: string;

  beforeAll(async () => {
    t = await TestApp.start({ suite: 'demo_account', provider: 'sandbox' });
    dir = await mkdtemp(join(tmpdir(), 'ticket-sms-demo-'));
  });

  afterAll(async () => {
    await t?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('gives a newcomer an API token and a console invite in private files, and nothing on a second start', async () => {
    const files = await seedDemoAccount(t.app, join(dir, 'storage'), PUBLIC_URL);
    expect(files).toEqual({
      adminToken: join(dir, 'demo-admin-token'),
      consoleInvite: join(dir, 'demo-console-invite'),
    });
    for (const file of [files!.adminToken, files!.consoleInvite]) expect((await stat(file)).mode & 0o777).toBe(0o600);

    // The token works against the API, and the account has its SMS number.
    const token = (await readFile(files!.adminToken, 'utf8')).trim();
    const numbers = await t.http().get('/api/sms/numbers').set('Authorization', `Bearer ${token}`).expect(200);
    expect(JSON.stringify(numbers.body)).toContain('+12025550100');

    // The invite lets the admin choose a console password and sign in with it.
    const link = (await readFile(files!.consoleInvite, 'utf8')).trim();
    expect(link.startsWith(`${PUBLIC_URL}/console/invite/`)).toBe(true);
    const path = new URL(link).pathname;
    const page = await t.http().get(path).expect(200);
    expect(page.text).toContain('admin@demo.test');
    const set = await t
      .http()
      .post(path)
      .set('Cookie', cookiesOf(page))
      .type('form')
      .send({ _csrf: csrfOf(page.text), password: 'demo password 1' })
      .expect(200);
    expect(set.text).toContain('Your password is set');
    const signedIn = await t
      .http()
      .post('/console/sign-in')
      .set('Cookie', cookiesOf(page))
      .type('form')
      .send({ _csrf: csrfOf(set.text), email: 'admin@demo.test', password: 'demo password 1', next: '/console' })
      .expect(303);
    expect(cookiesOf(signedIn)).toMatch(/tsms_console=/);
    await t.http().get(path).expect(404);

    // A later start finds accounts and creates nothing.
    await rm(files!.adminToken);
    expect(await seedDemoAccount(t.app, join(dir, 'storage'), PUBLIC_URL)).toBeNull();
    expect(await t.db.query('SELECT count(*)::int AS n FROM accounts')).toEqual([{ n: 1 }]);
    await expect(stat(files!.adminToken)).rejects.toThrow(/ENOENT/);
  });
});
