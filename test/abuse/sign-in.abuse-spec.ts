import {
  FAILED_SIGN_INS_PER_ADDRESS_AND_EMAIL,
  MAX_SIGN_IN_DELAY_MS,
  SIGN_IN_ATTEMPTS_PER_ADDRESS,
} from '../../src/console/auth/sign-in-limits';
import { TestAccount, TestApp } from '../support/test-app';
import { underAttack } from './support/attack';
import { ConsoleBrowser, flood, photoBystander, range, statusCounts } from './support/service';

// Connections one attacking client keeps busy; a botnet, many clients at once.
const CONNECTIONS = 10;
const BOTNET_CONNECTIONS = 25;

const PASSWORD = 'the right password 1';

describe('sign-in under attack', () => {
  let t: TestApp;
  let acme: TestAccount;
  let bystander: () => Promise<void>;

  /** A technician of Acme with a console password. */
  async function person(name: string): Promise<string> {
    const email = `${name}@acme.test`;
    const { id } = await acme.technician(name, email);
    await acme.post(`/api/users/${id}/console-password`, { password: PASSWORD }).expect(204);
    return email;
  }

  beforeAll(async () => {
    // One trusted proxy (on this machine) in front: X-Forwarded-For gives each simulated client its own address.
    t = await TestApp.start({ suite: 'abuse-sign-in', env: { TRUST_PROXY: 'loopback' } });
    // Served on one port, as in production: each request is a connection, not a server started for it.
    await t.app.listen(0, '127.0.0.1');
    acme = await t.account('Acme IT');
    bystander = await photoBystander(t);
  });

  afterAll(async () => {
    await t?.close();
  });

  it("refuses a flood of sign-ins for unknown emails from one address before any hashing; another account's photo still downloads within a second", async () => {
    const attacker = new ConsoleBrowser(t, '203.0.113.10');
    await attacker.signIn('first@nowhere.test', 'a wrong password');
    const report = await underAttack(
      '200 sign-ins for unknown emails from one address, 10 connections',
      () => flood(200, CONNECTIONS, (i) => attacker.signIn(`nobody${i}@nowhere.test`, 'a wrong password')),
      bystander,
    );
    const counts = statusCounts(report.result);
    // Only the address's budget is checked at all (401, or 503 when the hashing slots were full); the rest never reach scrypt.
    expect((counts[401] ?? 0) + (counts[503] ?? 0)).toBeLessThanOrEqual(SIGN_IN_ATTEMPTS_PER_ADDRESS);
    expect(counts[429]).toBeGreaterThanOrEqual(200 - SIGN_IN_ATTEMPTS_PER_ADDRESS);
    expect(Object.keys(counts).sort()).toEqual(
      Object.keys(counts)
        .filter((s) => ['401', '429', '503'].includes(s))
        .sort(),
    );
    for (const refused of report.result.filter((a) => a.status === 429))
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(report.result.find((a) => a.status === 429)?.text).toContain('Too many sign-in attempts from your network');
    expect(attacker.cookie('tsms_console')).toBeUndefined();
    expect(report.bystanderMaxMs).toBeLessThan(1000);
  });

  it("bounds the password hashes a flood from many addresses can start; the rest are told to come back, and another account's photo downloads within a second", async () => {
    const botnet = new ConsoleBrowser(t, '198.18.0.0');
    await botnet.signIn('first@nowhere.test', 'a wrong password');
    const report = await underAttack(
      '200 sign-ins from 200 addresses, 25 at a time',
      () =>
        flood(200, BOTNET_CONNECTIONS, (i) =>
          botnet.from(`198.18.1.${i}`).signIn(`botnet${i}@nowhere.test`, 'a wrong password'),
        ),
      bystander,
    );
    const counts = statusCounts(report.result);
    expect(Object.keys(counts).every((s) => s === '401' || s === '503')).toBe(true);
    expect(counts[503]).toBeGreaterThan(0);
    const busy = report.result.find((a) => a.status === 503)!;
    expect(busy.headers['retry-after']).toBe('1');
    expect(busy.text).toContain('Too many sign-ins are being checked right now');
    expect(report.bystanderMaxMs).toBeLessThan(1000);
  });

  it('does not let a client that is no trusted proxy choose the counted address with X-Forwarded-For', async () => {
    const email = await person('xff');
    // A second api process that trusts no proxy (the default): every request below comes from 127.0.0.1 itself.
    const direct = await t.sibling('api', { TRUST_PROXY: 'none' });
    try {
      const report = await underAttack(
        '52 guesses with forged X-Forwarded-For',
        () =>
          flood(52, CONNECTIONS, (i) => new ConsoleBrowser(direct, `10.9.${i}.1`).signIn(email, `guess number ${i}`)),
        bystander,
      );
      expect(statusCounts(report.result)).toEqual({
        401: FAILED_SIGN_INS_PER_ADDRESS_AND_EMAIL,
        429: 52 - FAILED_SIGN_INS_PER_ADDRESS_AND_EMAIL,
      });
      expect(report.bystanderMaxMs).toBeLessThan(1000);
    } finally {
      await direct.close();
    }
  });

  it('evaluates only five of 40 concurrent wrong guesses from one address, and then not even the right password from there', async () => {
    const email = await person('sam');
    const guesser = new ConsoleBrowser(t, '203.0.113.40');
    const report = await underAttack(
      '40 concurrent guesses at one email',
      () => Promise.all(range(40).map((i) => guesser.signIn(email, `guess number ${i}`))),
      bystander,
    );
    expect(statusCounts(report.result)).toEqual({
      401: FAILED_SIGN_INS_PER_ADDRESS_AND_EMAIL,
      429: 40 - FAILED_SIGN_INS_PER_ADDRESS_AND_EMAIL,
    });
    expect(report.result.find((a) => a.status === 429)?.text).toMatch(
      /Too many failed sign-ins; try again in 1[45] minutes/,
    );
    expect((await guesser.signIn(email, PASSWORD)).status).toBe(429);
    expect(guesser.cookie('tsms_console')).toBeUndefined();
    // The person, from their own address, is not held back by it.
    expect((await new ConsoleBrowser(t, '198.51.100.40').signIn(email, PASSWORD)).status).toBe(303);
    expect(report.bystanderMaxMs).toBeLessThan(1000);
  });

  it('never locks a person out: guessing at their email from 60 addresses slows new browsers by seconds, and theirs signs in at once', async () => {
    const email = await person('vic');
    const vicsLaptop = new ConsoleBrowser(t, '198.51.100.7');
    expect((await vicsLaptop.signIn(email, PASSWORD)).status).toBe(303);
    const report = await underAttack(
      '60 guesses at one email from 60 addresses',
      () => flood(60, CONNECTIONS, (i) => new ConsoleBrowser(t, `192.0.2.${i + 1}`).signIn(email, `guess number ${i}`)),
      bystander,
    );
    const counts = statusCounts(report.result);
    expect(counts[401]).toBeLessThan(20);
    expect(counts[429]).toBeGreaterThan(40);
    const wait = report.result.find((a) => a.status === 429)!;
    expect(wait.text).toMatch(/Many failed sign-ins for this email; try again in \d+ seconds/);
    expect(Number(wait.headers['retry-after'])).toBeLessThanOrEqual(MAX_SIGN_IN_DELAY_MS / 1000);

    // The browser Vic signed in with before goes straight in; a new one waits seconds at most, never a quarter hour.
    expect((await vicsLaptop.signIn(email, PASSWORD)).status).toBe(303);
    const vicsPhone = await new ConsoleBrowser(t, '198.51.100.8').signIn(email, PASSWORD);
    expect([303, 429]).toContain(vicsPhone.status);
    if (vicsPhone.status === 429)
      expect(Number(vicsPhone.headers['retry-after'])).toBeLessThanOrEqual(MAX_SIGN_IN_DELAY_MS / 1000);
    expect(report.bystanderMaxMs).toBeLessThan(1000);
  });

  it('answers 400 to a doubled email field or a password that is not text, and signs nobody in', async () => {
    const email = await person('dana');
    const browser = new ConsoleBrowser(t, '203.0.113.77');
    const report = await underAttack(
      'malformed sign-in forms',
      async () => {
        const form = await browser.get('/console/sign-in');
        const token = /name="_csrf" value="([^"]+)"/.exec(form.text)![1];
        return Promise.all([
          browser.postForm('/console/sign-in', {
            _csrf: token,
            email: [email, 'someone@else.test'],
            password: PASSWORD,
          }),
          browser.postForm('/console/sign-in', { _csrf: token, email, password: { $gt: '' } }),
          browser.postForm('/console/sign-in', { _csrf: token, email, password: [PASSWORD, PASSWORD] }),
        ]);
      },
      bystander,
    );
    for (const answer of report.result) {
      expect(answer.status).toBe(400);
      expect(answer.text).toMatch(/must be a single piece of text/);
    }
    expect(browser.cookie('tsms_console')).toBeUndefined();
    expect(report.bystanderMaxMs).toBeLessThan(1000);
  });
});
