import { randomBytes } from 'node:crypto';
import { FakeFlowroute, flowrouteDeliveryReceipt, flowrouteInboundBody } from '../fakes/fake-flowroute';
import { TestAccount, TestApp } from '../support/test-app';
import { underAttack } from './support/attack';

const SECRETS_KEY = randomBytes(32).toString('base64');
const ACME_NUMBER = '+12025550100';

describe('provider callbacks under attack', () => {
  let t: TestApp;
  let flowroute: FakeFlowroute;
  let attacker: TestAccount;
  let bystander: TestAccount;
  let bystanderTicket: string;
  let token: string;

  beforeAll(async () => {
    flowroute = await FakeFlowroute.start();
    t = await TestApp.start({
      suite: 'abuse-webhooks',
      env: { SECRETS_KEY, FLOWROUTE_API_URL: flowroute.url, FLOWROUTE_TIMEOUT_MS: '2000' },
    });
    attacker = await t.account('Mallory IT');
    await attacker.addNumber(ACME_NUMBER, 'Front desk');
    await attacker
      .put('/api/sms/settings', {
        provider: 'flowroute',
        flowroute: { accessKey: flowroute.accessKey, secretKey: flowroute.secretKey },
      })
      .expect(200);
    const view = (await attacker.get('/api/sms/settings').expect(200)).body as { flowroute: { inboundUrl: string } };
    token = new URL(view.flowroute.inboundUrl).pathname.split('/')[3];
    bystander = await t.account('Bystander IT');
    const customerId = await bystander.customer([{ number: '+12015550199', type: 'landline' }]);
    bystanderTicket = (await bystander.ticket(customerId)).id;
  });

  afterAll(async () => {
    await t?.close();
    await flowroute?.close();
  });

  const otherAccountReads = () => bystander.get(`/api/tickets/${bystanderTicket}`).expect(200);
  const post = (path: string, body: unknown) =>
    t.http().post(path).set('Content-Type', 'application/json').send(JSON.stringify(body));
  const inboundRows = async () =>
    Number(
      (
        (await t.db.query(`SELECT count(*) AS n FROM sms_messages WHERE direction = 'inbound'`)) as Array<{ n: string }>
      )[0].n,
    );
  const inbound = (patch: (body: ReturnType<typeof flowrouteInboundBody>) => void) => {
    const body = flowrouteInboundBody({ from: '12015550123', to: ACME_NUMBER.slice(1), body: 'hello' });
    patch(body);
    return body;
  };

  it.each([
    [
      'a 100,000-character text',
      inbound((b) => void (b.data.attributes.body = 'x'.repeat(100_000))),
      413,
      /^A callback body may be at most 65536 bytes/,
    ],
    [
      'a 6,000-character text',
      inbound((b) => void (b.data.attributes.body = 'x'.repeat(6_000))),
      400,
      /^body is longer than 5000 characters$/,
    ],
    [
      'an 8,000-character data.id',
      inbound((b) => void (b.data.id = 'm'.repeat(8_000))),
      400,
      /^data\.id is longer than 64 characters$/,
    ],
    [
      'an 8,000-character from',
      inbound((b) => void (b.data.attributes.from = '1'.repeat(8_000))),
      400,
      /^from is longer than 64 characters$/,
    ],
    [
      '30 included items',
      inbound(
        (b) =>
          void ((b as Record<string, unknown>).included = Array.from({ length: 30 }, (_, i) => ({
            type: 'media',
            id: String(i),
            attributes: { url: 'https://s3.us-west-2.amazonaws.com/x' },
          }))),
      ),
      400,
      /^included has more than 20 entries$/,
    ],
  ])(
    'refuses an inbound callback with %s with its status and reason, nothing stored',
    async (_name, body, status, reason) => {
      const before = await inboundRows();

      const report = await underAttack(
        'flowroute inbound, oversized field',
        () => post(`/webhooks/flowroute/${token}/inbound`, body),
        otherAccountReads,
      );

      expect(report.result.status).toBe(status);
      expect(report.result.body.message).toMatch(reason);
      expect(await inboundRows()).toBe(before);
      expect(report.bystanderMaxMs).toBeLessThan(1000);
    },
  );

  it('refuses a delivery receipt with an 8,000-character id with 400, never 500', async () => {
    const receipt = flowrouteDeliveryReceipt({
      id: 'r'.repeat(8_000),
      level: 2,
      status: 'delivered',
      statusCode: 1000,
    });

    const report = await underAttack(
      'flowroute receipt, oversized id',
      () => post(`/webhooks/flowroute/${token}/dlr`, receipt),
      otherAccountReads,
    );

    expect(report.result.status).toBe(400);
    expect(report.result.body.message).toBe('data.id is longer than 64 characters');
    expect(report.bystanderMaxMs).toBeLessThan(1000);
  });

  it('refuses a body larger than a callback can be with 413, nothing stored', async () => {
    const before = await inboundRows();
    const body = inbound((b) => void ((b.data.attributes as Record<string, unknown>).padding = 'p'.repeat(200_000)));

    const report = await underAttack(
      'flowroute inbound, 200 KB body',
      () => post(`/webhooks/flowroute/${token}/inbound`, body),
      otherAccountReads,
    );

    expect(report.result.status).toBe(413);
    expect(await inboundRows()).toBe(before);
    expect(report.bystanderMaxMs).toBeLessThan(1000);
  });

  it('refuses a Twilio form with hundreds of fields with 400 before checking its signature', async () => {
    const form = new URLSearchParams(Array.from({ length: 500 }, (_, i): [string, string] => [`Field${i}`, 'x']));

    const report = await underAttack(
      'twilio inbound, 500 fields',
      () =>
        t
          .http()
          .post('/webhooks/twilio/inbound')
          .set('Content-Type', 'application/x-www-form-urlencoded')
          .send(form.toString()),
      otherAccountReads,
    );

    expect(report.result.status).toBe(400);
    expect(report.result.body.message).toBe('A callback may have at most 100 fields; this one has 500');
    expect(report.bystanderMaxMs).toBeLessThan(1000);
  });
});
