import { DataSource } from 'typeorm';
import { HelpdeskTicketGateway } from '../../src/helpdesk/helpdesk-ticket.gateway';
import { eventually, PLATFORM_TOKEN, TestAccount, TestApp } from '../support/test-app';

describe('reference helpdesk, platform API and service surface', () => {
  let t: TestApp;
  let a: TestAccount;
  let b: TestAccount;

  beforeAll(async () => {
    t = await TestApp.start({ suite: 'helpdesk', provider: 'sandbox', env: { API_DOCS: 'on' } });
    a = await t.account('Account A', { defaultCountry: 'GB', timezone: 'Europe/London' });
    b = await t.account('Account B');
    await a.addNumber('+447400900100', 'London office');
  });

  afterAll(() => t?.close());

  it('creates accounts only with the platform token', async () => {
    await t.http().post('/api/platform/accounts').send({ name: 'X' }).expect(403);
    await t.http().post('/api/platform/accounts').set('Authorization', 'Bearer wrong').send({ name: 'X' }).expect(403);
    const bad = await t
      .http()
      .post('/api/platform/accounts')
      .set('Authorization', `Bearer ${PLATFORM_TOKEN}`)
      .send({ name: '' })
      .expect(400);
    expect(bad.body.message.join(' ')).toMatch(/name should not be empty/);
  });

  it('requires a bearer token, and an admin for admin routes', async () => {
    await t.http().get('/api/sms/numbers').expect(401);
    await t.http().get('/api/sms/numbers').set('Authorization', 'Bearer tsk_nope').expect(401);
    const tech = await a.technician();
    const refused = await a.put('/api/sms/templates/initial_problem', { body: 'Hi' }, tech.token).expect(403);
    expect(refused.body.message).toMatch(/admin/);
    await a.post('/api/users', { name: 'X', email: 'x@a.test', role: 'admin' }, tech.token).expect(403);
  });

  it('stores phones in E.164 using the account country, and refuses unreadable ones with the reason, storing nothing', async () => {
    const id = await a.customer([
      { number: '07400 123456', type: 'mobile' },
      { number: '+1 (201) 555-0123', type: 'work' },
    ]);
    const customer = await a.get(`/api/customers/${id}`).expect(200);
    expect(customer.body.phones.map((p: { number: string }) => p.number).sort()).toEqual([
      '+12015550123',
      '+447400123456',
    ]);

    const before = await t.db.query('SELECT count(*)::int AS n FROM customers');
    const bad = await a
      .post('/api/customers', {
        name: 'Bad',
        phones: [
          { number: '07400 123457', type: 'mobile' },
          { number: 'call me', type: 'mobile' },
        ],
      })
      .expect(422);
    expect(bad.body.message).toMatch(/"call me" cannot be read/);
    const after = await t.db.query('SELECT count(*)::int AS n FROM customers');
    expect(after[0].n).toBe(before[0].n);

    await a.post('/api/customers', { name: 'Bad', phones: [{ number: '07400 123457', type: 'pager' }] }).expect(400);
  });

  it('numbers tickets per account, one after another', async () => {
    const ca = await a.customer([{ number: '07400 111111', type: 'landline' }]);
    const cb = await b.customer([{ number: '(201) 555-0111', type: 'landline' }]);
    const [a1, a2, b1] = [await a.ticket(ca), await a.ticket(ca), await b.ticket(cb)];
    expect(a2.number).toBe(a1.number + 1);
    expect(b1.number).toBe(1000);
    expect(a1.status).toBe('New');
  });

  it("lists a ticket's comments in the order they were written, also when the last one's transaction began first", async () => {
    const customerId = await a.customer([{ number: '07400 123470', type: 'mobile' }]);
    const ticket = await a.ticket(customerId);
    const gateway = t.app.get(HelpdeskTicketGateway);
    const comment = (body: string) => [
      { accountId: a.id, comment: { ticketId: ticket.id, customerId, body, attachments: [] } },
    ];
    // As a customer's later text lands: its transaction began, then waited for their texts lock while the earlier
    // text's landing wrote and committed.
    const waited = t.app.get(DataSource).createQueryRunner();
    await waited.startTransaction();
    try {
      await waited.query('SELECT 1');
      await gateway.addCustomerComments(comment('The earlier text'));
      await gateway.addCustomerComments(comment('The later text'), waited.manager);
      await waited.commitTransaction();
    } finally {
      await waited.release();
    }
    const listed = (await a.get(`/api/tickets/${ticket.id}`).expect(200)).body.comments as { body: string }[];
    expect(listed.map((c) => c.body)).toEqual(['The earlier text', 'The later text']);
  });

  it("answers 404 to another account's ids, everywhere", async () => {
    const ca = await a.customer([{ number: '07400 222222', type: 'mobile' }]);
    const ticket = await a.ticket(ca);
    await b.get(`/api/tickets/${ticket.id}`).expect(404);
    await b.get(`/api/tickets/${ticket.id}/sms`).expect(404);
    await b.get(`/api/customers/${ca}`).expect(404);
    await b.post(`/api/tickets/${ticket.id}/updates`, { smsBody: 'hijack' }).expect(404);
    await b.post('/api/tickets', { customerId: ca, subject: 's', problem: 'p' }).expect(404);
    const [row] = await a.sms(ticket.id);
    await b.get(`/api/sms/messages/${row.id}`).expect(404);
    await b.post('/api/sms/templates/initial_problem/preview', { ticketId: ticket.id }).expect(404);
    await a.get(`/api/tickets/${ticket.id}`).expect(200);
  });

  it('refuses a business number without country code, a bad one, and a number another account has', async () => {
    expect((await b.post('/api/sms/numbers', { number: '5550100', label: 'x' }).expect(422)).body.message).toMatch(
      /country code/,
    );
    await b.post('/api/sms/numbers', { number: '+1 555', label: 'x' }).expect(422);
    expect(
      (await b.post('/api/sms/numbers', { number: '+44 7400 900100', label: 'x' }).expect(409)).body.message,
    ).toMatch(/already in use/);
    const list = await a.get('/api/sms/numbers').expect(200);
    expect(list.body).toEqual([expect.objectContaining({ number: '+447400900100', isDefault: true })]);
  });

  it('sends through the sandbox provider, which records the text and reports it delivered', async () => {
    const ca = await a.customer([{ number: '07400 333333', type: 'mobile' }]);
    const ticket = await a.ticket(ca);
    const [row] = await eventually(
      () => a.sms(ticket.id),
      (rows) => rows[0]?.status === 'delivered',
    );
    const sandbox = await a.get('/api/sms/sandbox/messages').expect(200);
    const recorded = sandbox.body.filter((m: { messageId: string }) => m.messageId === row.id);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ to: '+447400333333', from: '+447400900100', body: row.body });
    expect((await b.get('/api/sms/sandbox/messages').expect(200)).body).toEqual([]);
  });

  it('turns SMS off per account, and the ticket says why nothing was sent', async () => {
    await a.put('/api/sms/settings', { enabled: false }).expect(200);
    const ca = await a.customer([{ number: '07400 444444', type: 'mobile' }]);
    const ticket = await a.ticket(ca);
    expect(await a.sms(ticket.id)).toEqual([
      expect.objectContaining({ status: 'skipped', reason: 'SMS is turned off for this account' }),
    ]);
    await a.put('/api/sms/settings', { enabled: true }).expect(200);
    await a.put('/api/sms/settings', { enabled: 'yes' }).expect(400);
  });

  it('serves health and OpenAPI', async () => {
    const health = await t.http().get('/health').expect(200);
    expect(health.body.info).toMatchObject({ postgres: { status: 'up' }, redis: { status: 'up' } });
    const doc = await t.http().get('/api/docs-json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/tickets', '/api/tickets/{id}/updates', '/api/sms/templates/{key}']),
    );
  });
});
