import { randomBytes } from 'node:crypto';
import { postTwilioText } from '../support/conversations';
import { FakeFlowroute } from '../fakes/fake-flowroute';
import { eventually, TestAccount, TestApp } from '../support/test-app';
import { underAttack } from './support/attack';

const SECRETS_KEY = randomBytes(32).toString('base64');
/** Numbers of the platform's Twilio account, and one of the attacker's own Flowroute account. */
const VICTIM_LINE = '+12025550191';
const SPARE_PLATFORM_LINE = '+12025550192';
const LONDON = '+442079460000';
const ATTACKER_FLOWROUTE_LINE = '+12025550177';
const SQUATTED_LINE = '+12025550178';

interface NumberBody {
  id: string;
  number: string;
  verified: boolean;
  verificationError: string | null;
}

/**
 * Hostile tenants against SMS numbers: an admin tries to take numbers of the platform's Twilio account that were not
 * assigned to the account, or to pass numbers off as their own Flowroute account's, and to read the texts sent to them.
 */
describe('abuse: numbers belong to accounts by proof', () => {
  let t: TestApp;
  let flowroute: FakeFlowroute;
  let victim: TestAccount;
  let attacker: TestAccount;
  let victimTicket: string;

  beforeAll(async () => {
    flowroute = await FakeFlowroute.start();
    t = await TestApp.start({
      suite: 'abuse_numbers',
      env: { SECRETS_KEY, FLOWROUTE_API_URL: flowroute.url, FLOWROUTE_TIMEOUT_MS: '2000' },
    });
    victim = await t.account('Victim IT');
    attacker = await t.account('Mallory IT');
    // The platform assigned the victim's line to the victim, who has not added it yet; the spare line to no one.
    await victim.assignNumber(VICTIM_LINE);
    t.twilio.ownNumber(SPARE_PLATFORM_LINE);
    const customer = await victim.customer([{ number: '+12015550191', type: 'mobile' }]);
    victimTicket = (await victim.ticket(customer)).id;
  });

  afterAll(async () => {
    await t?.close();
    await flowroute?.close();
  });

  const numbersOf = async (account: TestAccount): Promise<NumberBody[]> =>
    (await account.get('/api/sms/numbers').expect(200)).body;
  const bystander = () => victim.get(`/api/tickets/${victimTicket}`).expect(200);

  /** A customer texts `to` through Twilio's signed webhook; resolves with where the text went. */
  async function textTo(to: string, body: string): Promise<{ landedIn: string | null; keptAside: boolean }> {
    const sid = await postTwilioText(t, '+12015550999', to, body);
    // The webhook stores the text (as a message of an account, or kept aside) before it answers.
    const [landed] = (await t.db.query(`SELECT account_id FROM sms_messages WHERE provider_message_id = $1`, [
      sid,
    ])) as { account_id: string }[];
    const [aside] = (await t.db.query(`SELECT id FROM sms_unroutable_messages WHERE provider_message_id = $1`, [
      sid,
    ])) as { id: string }[];
    return { landedIn: landed?.account_id ?? null, keptAside: aside !== undefined };
  }

  it('refuses an admin a platform number the platform did not assign to the account, and its texts never reach them', async () => {
    const report = await underAttack(
      'adding unassigned platform numbers',
      () =>
        Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            attacker.post('/api/sms/numbers', { number: i % 2 ? VICTIM_LINE : SPARE_PLATFORM_LINE, label: 'Mine now' }),
          ),
        ),
      bystander,
    );

    for (const answer of report.result) {
      expect(answer.status).toBe(403);
      expect(answer.body.message).toMatch(
        /is not assigned to this account: the platform's numbers are assigned by the platform/,
      );
    }
    expect(report.bystanderMaxMs).toBeLessThan(1000);
    expect(await numbersOf(attacker)).toEqual([]);
    // The bulk file is no way around it.
    const bulk = await t
      .http()
      .post('/api/sms/numbers/bulk')
      .set('Authorization', `Bearer ${attacker.adminToken}`)
      .set('Content-Type', 'text/csv')
      .send(`number,team\n${SPARE_PLATFORM_LINE},Support\n`)
      .expect(201);
    expect(bulk.body).toMatchObject({ applied: 0, failed: 1 });
    expect(await numbersOf(attacker)).toEqual([]);

    // A text to the spare line lands nowhere; the victim's line, once the victim adds it, is the victim's.
    expect(await textTo(SPARE_PLATFORM_LINE, 'Is anyone there?')).toEqual({ landedIn: null, keptAside: true });
    expect(
      (await victim.post('/api/sms/numbers', { number: VICTIM_LINE, label: 'Front desk' }).expect(201)).body,
    ).toMatchObject({ verified: true });
    expect(
      (await attacker.post('/api/sms/numbers', { number: VICTIM_LINE, label: 'Mine now' }).expect(409)).body.message,
    ).toMatch(/already in use/);
    expect(await textTo(VICTIM_LINE, 'My printer is on fire')).toEqual({ landedIn: victim.id, keptAside: false });
    // Only the platform assigns: an account's admin token does not open the platform API.
    await attacker.post(`/api/platform/accounts/${attacker.id}/numbers`, { number: SPARE_PLATFORM_LINE }).expect(403);
  });

  it('does not take numbers on made-up Flowroute keys, and nothing stays verified after switching back', async () => {
    await attacker
      .put('/api/sms/settings', {
        provider: 'flowroute',
        flowroute: { accessKey: 'madeup-01', secretKey: 'madeup-secret-0123' },
      })
      .expect(200);

    const report = await underAttack(
      'adding numbers on made-up Flowroute keys',
      () =>
        Promise.all(
          [SPARE_PLATFORM_LINE, '+12025550193', LONDON].map((number) =>
            attacker.post('/api/sms/numbers', { number, label: 'Mine now' }),
          ),
        ),
      bystander,
    );

    expect(report.result.map((r) => r.status)).toEqual([422, 422, 422]);
    expect(report.result[0].body.message).toMatch(
      /Flowroute refused the account's access key and secret key \(HTTP 401\)/,
    );
    expect(report.result[2].body.message).toMatch(/Flowroute numbers are North American \(\+1\)/);
    expect(report.bystanderMaxMs).toBeLessThan(1000);
    expect(await numbersOf(attacker)).toEqual([]);

    await attacker.put('/api/sms/settings', { provider: 'platform' }).expect(200);
    expect(await numbersOf(attacker)).toEqual([]);
    expect(await textTo(SPARE_PLATFORM_LINE, 'Still nobody?')).toEqual({ landedIn: null, keptAside: true });
  });

  it("checks an account's own Flowroute number with its keys, and again when the provider changes", async () => {
    const mallory = await t.account('Mallory Flowroute');
    flowroute.requests.length = 0;
    flowroute
      .addAccount('mallory-key-01', 'mallory-secret-0123')
      .ownNumber(ATTACKER_FLOWROUTE_LINE.slice(1), 'mallory-key-01');
    await mallory
      .put('/api/sms/settings', {
        provider: 'flowroute',
        flowroute: { accessKey: 'mallory-key-01', secretKey: 'mallory-secret-0123' },
      })
      .expect(200);

    // A platform number is not on Mallory's Flowroute account: refused, with the reason.
    const refused = await mallory
      .post('/api/sms/numbers', { number: SPARE_PLATFORM_LINE, label: 'Mine now' })
      .expect(422);
    expect(refused.body.message).toBe(
      `${SPARE_PLATFORM_LINE} is not on the account's Flowroute account (Flowroute's numbers list does not have it)`,
    );
    // Her own Flowroute number is verified by asking Flowroute with her keys.
    const own = await mallory
      .post('/api/sms/numbers', { number: ATTACKER_FLOWROUTE_LINE, label: 'Own line' })
      .expect(201);
    expect(own.body).toMatchObject({ verified: true });
    const lookups = flowroute.requests.filter((r) => r.path.startsWith('/v2/numbers/'));
    expect(lookups.map((r) => [r.path, r.accessKey])).toEqual([
      [`/v2/numbers/${SPARE_PLATFORM_LINE.slice(1)}`, 'mallory-key-01'],
      [`/v2/numbers/${ATTACKER_FLOWROUTE_LINE.slice(1)}`, 'mallory-key-01'],
    ]);

    // On the platform, a Flowroute number proves nothing: it stops sending, and Twilio texts to it are kept aside.
    await mallory.put('/api/sms/settings', { provider: 'platform' }).expect(200);
    const [after] = await numbersOf(mallory);
    expect(after).toMatchObject({
      number: ATTACKER_FLOWROUTE_LINE,
      verified: false,
      verificationError: expect.stringMatching(/is not assigned to this account/),
    });
    t.twilio.ownNumber(ATTACKER_FLOWROUTE_LINE);
    expect(await textTo(ATTACKER_FLOWROUTE_LINE, 'For whoever holds this number')).toEqual({
      landedIn: null,
      keptAside: true,
    });
    const customer = await mallory.customer([{ number: '+12015550177', type: 'mobile' }]);
    const ticket = await mallory.ticket(customer);
    const [text] = await eventually(
      () => mallory.sms(ticket.id),
      (rows) => rows.length > 0 && rows[0].status !== 'pending',
    );
    expect(text).toMatchObject({
      status: 'skipped',
      reason: expect.stringMatching(/None of the account's SMS numbers is verified/),
    });
    expect(t.twilio.sentMessages().filter((m) => m.from === ATTACKER_FLOWROUTE_LINE)).toEqual([]);

    // Back on her Flowroute account, Flowroute confirms it again.
    await mallory.put('/api/sms/settings', { provider: 'flowroute' }).expect(200);
    expect((await numbersOf(mallory))[0]).toMatchObject({ verified: true, verificationError: null });
  });

  it('keeps a number the provider could not check unverified, and lets the account it is proved for take it over', async () => {
    const squatter = await t.account('Squatter IT');
    flowroute.addAccount('squat-key-01', 'squat-secret-0123');
    await squatter
      .put('/api/sms/settings', {
        provider: 'flowroute',
        flowroute: { accessKey: 'squat-key-01', secretKey: 'squat-secret-0123' },
      })
      .expect(200);
    // Flowroute is down: the number is kept, unverified, and may be verified later.
    flowroute.failLookupsNext(1, 503);
    const claim = await squatter.post('/api/sms/numbers', { number: SQUATTED_LINE, label: 'Maybe mine' }).expect(201);
    expect(claim.body).toMatchObject({
      verified: false,
      verificationError: expect.stringMatching(
        /Flowroute answered HTTP 503.* to the lookup of \+12025550178; verify it again later/,
      ),
    });
    // An unverified number lands nothing and sends nothing.
    t.twilio.ownNumber(SQUATTED_LINE);
    expect(await textTo(SQUATTED_LINE, 'Meant for the victim')).toEqual({ landedIn: null, keptAside: true });

    // The platform assigns the number to the victim, who proves it and takes it over; the unverified claim goes.
    await t.platform().post(`/api/platform/accounts/${victim.id}/numbers`).send({ number: SQUATTED_LINE }).expect(201);
    expect(
      (await victim.post('/api/sms/numbers', { number: SQUATTED_LINE, label: 'Second line' }).expect(201)).body,
    ).toMatchObject({ verified: true });
    expect(await numbersOf(squatter)).toEqual([]);
    expect(await textTo(SQUATTED_LINE, 'Now for the victim')).toEqual({ landedIn: victim.id, keptAside: false });
  });
});
