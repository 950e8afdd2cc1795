import { signTwilioRequest } from '../fakes/fake-twilio';
import { SmsJob, SmsQueue } from '../../src/sms/queues/queues';
import { eventually, PUBLIC_URL, SmsRow, TestAccount, TestApp } from '../support/test-app';

const MOBILE = '+12015550123';
const LANDLINE = '+12015550188';

describe('outbound ticket SMS through Twilio', () => {
  let t: TestApp;
  let acme: TestAccount;
  let tech: { id: string; token: string };

  beforeAll(async () => {
    t = await TestApp.start({ suite: 'outbound' });
    acme = await t.account('Acme IT');
    await acme.addNumber('+12025550100', 'Front desk');
    // This suite is about handing one text over exactly once; long texts split in parts have their own suite.
    await acme.put('/api/sms/settings', { splitMode: 'concatenate' }).expect(200);
    tech = await acme.technician('Tess Tech');
  });

  afterAll(() => t?.close());

  beforeEach(() => t.twilio.reset());

  const sentTo = (to: string) => t.twilio.sentMessages().filter((m) => m.to === to && m.responseStatus === 201);

  /**
   * A skipped row never gets a send job, and a sweep that runs after it (the only other way a row reaches the
   * queue) leaves it alone: only then does "nothing sent" mean something.
   */
  async function neverSent(row: SmsRow): Promise<void> {
    expect(await t.queue(SmsQueue.Outbound).getJobState(row.id)).toBe('unknown');
    await t.sweeps(1);
    expect(await t.queue(SmsQueue.Outbound).getJobState(row.id)).toBe('unknown');
    expect(t.twilio.sentMessages()).toHaveLength(0);
  }

  async function settled(ticketId: string, count = 1): Promise<SmsRow[]> {
    return eventually(
      () => acme.sms(ticketId),
      (rows) => rows.length >= count && rows.every((r) => !['pending', 'submitting'].includes(r.status)),
    );
  }

  it('sends exactly one initial-problem SMS, rendered from the template, to the mobile phone', async () => {
    const customerId = await acme.customer([
      { number: '(201) 555-0188', type: 'landline' },
      { number: '(201) 555-0123', type: 'mobile' },
    ]);
    const ticket = await acme.ticket(customerId, tech.token, 'Printer offline', 'The office printer shows offline.');

    const [row] = await settled(ticket.id);
    expect(row).toMatchObject({ kind: 'initial_problem', to: MOBILE, from: '+12025550100', status: 'queued' });
    expect(row.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
    expect(await t.jobEnds(SmsQueue.Outbound, row.id)).toBe('completed');
    const sent = sentTo(MOBILE);
    expect(sent).toHaveLength(1);
    expect(sent[0].from).toBe('+12025550100');
    expect(sent[0].body).toBe(row.body);
    expect(sent[0].body).toContain(`#${ticket.number}`);
    expect(sent[0].body).toContain('Carla');
    expect(sent[0].body).toContain('Acme IT');
    expect(sent[0].statusCallback).toBe(`${PUBLIC_URL}/webhooks/twilio/status?m=${row.id}`);
    expect(sentTo(LANDLINE)).toHaveLength(0);
  });

  it('sends nothing to a landline-only customer and says why', async () => {
    const customerId = await acme.customer([{ number: '(201) 555-0177', type: 'landline' }]);
    const ticket = await acme.ticket(customerId);
    const rows = await acme.sms(ticket.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'skipped', reason: 'The customer has no mobile phone' });
    await neverSent(rows[0]);
  });

  it('sends nothing to a customer with SMS turned off and says why', async () => {
    const customerId = await acme.customer([{ number: '(201) 555-0166', type: 'mobile' }], { smsEnabled: false });
    const ticket = await acme.ticket(customerId);
    const rows = await acme.sms(ticket.id);
    expect(rows).toEqual([expect.objectContaining({ status: 'skipped', reason: 'The customer has SMS turned off' })]);
    await neverSent(rows[0]);
  });

  it('sends an update with an SMS text, and nothing for an email-only update', async () => {
    const customerId = await acme.customer([{ number: '+1 201 555 0155', type: 'mobile' }]);
    const ticket = await acme.ticket(customerId, tech.token);
    await settled(ticket.id);

    await acme
      .post(
        `/api/tickets/${ticket.id}/updates`,
        { emailBody: 'Ordered a new fuser; details in the attached quote.' },
        tech.token,
      )
      .expect(201);
    const update = await acme
      .post(
        `/api/tickets/${ticket.id}/updates`,
        { emailBody: 'Long email text', smsBody: 'Technician on the way, ETA 30 min.' },
        tech.token,
      )
      .expect(201);
    expect(update.body.smsMessageIds).toHaveLength(1);

    const rows = await settled(ticket.id, 2);
    expect(rows.map((r) => r.kind)).toEqual(['initial_problem', 'ticket_update']);
    const sent = sentTo('+12015550155');
    expect(sent).toHaveLength(2);
    expect(sent[1].body).toContain('Technician on the way, ETA 30 min.');
    expect(sent[1].body).not.toContain('Long email text');

    const detail = await acme.get(`/api/tickets/${ticket.id}`).expect(200);
    expect(detail.body.comments.map((c: { body: string }) => c.body)).toEqual([
      'Ordered a new fuser; details in the attached quote.',
      'Long email text',
    ]);
  });

  it('uses the account template, and refuses a broken one with its line and column', async () => {
    const broken = await acme
      .put('/api/sms/templates/ticket_update', { body: 'Update on #{{ticket.number}}\n{{#if message}}{{message}}' })
      .expect(422);
    expect(broken.body.message).toMatch(/^Line \d+, column \d+: /);
    expect(broken.body.problems[0]).toEqual(
      expect.objectContaining({ line: expect.any(Number), column: expect.any(Number) }),
    );

    const unknown = await acme
      .put('/api/sms/templates/ticket_update', { body: 'Hi {{customer.password}}' })
      .expect(422);
    expect(unknown.body.message).toMatch(/customer\.password/);

    await acme
      .put('/api/sms/templates/ticket_update', { body: 'ACME #{{ticket.number}} says: {{message}}' })
      .expect(200);
    const customerId = await acme.customer([{ number: '+1 201 555 0144', type: 'mobile' }]);
    const ticket = await acme.ticket(customerId);
    await acme.post(`/api/tickets/${ticket.id}/updates`, { smsBody: 'Fixed, please test.' }).expect(201);
    await settled(ticket.id, 2);
    expect(sentTo('+12015550144').map((m) => m.body)).toContain(`ACME #${ticket.number} says: Fixed, please test.`);

    await acme.delete('/api/sms/templates/ticket_update').expect(200);
    const list = await acme.get('/api/sms/templates').expect(200);
    expect(list.body.templates.find((x: { key: string }) => x.key === 'ticket_update').isDefault).toBe(true);
  });

  it('texts the status the update leaves the ticket in', async () => {
    await acme
      .put('/api/sms/templates/ticket_update', { body: '#{{ticket.number}} is {{ticket.status}}: {{message}}' })
      .expect(200);
    const customerId = await acme.customer([{ number: '+1 201 555 0133', type: 'mobile' }]);
    const ticket = await acme.ticket(customerId);
    await settled(ticket.id);
    await acme
      .post(`/api/tickets/${ticket.id}/updates`, { smsBody: 'Parts ordered.', status: 'Waiting on Customer' })
      .expect(201);
    await settled(ticket.id, 2);
    await acme.post(`/api/tickets/${ticket.id}/updates`, { smsBody: 'Parts are in.', status: 'Resolved' }).expect(201);
    await settled(ticket.id, 3);
    expect(sentTo('+12015550133').map((m) => m.body)).toEqual([
      expect.any(String),
      `#${ticket.number} is Waiting on Customer: Parts ordered.`,
      `#${ticket.number} is Resolved: Parts are in.`,
    ]);
    await acme.delete('/api/sms/templates/ticket_update').expect(200);
  });

  it('previews a template with its encoding, segments and credits', async () => {
    const preview = await acme
      .post('/api/sms/templates/ticket_update/preview', { body: 'Hello {{customer.firstName}} – “quoted” €' })
      .expect(200);
    expect(preview.body).toMatchObject({ encoding: 'GSM-7', segments: 1, credits: 1 });
    expect(preview.body.text).toContain('"quoted"');
  });

  it('moves status forward on signed callbacks, refuses forged ones, and never lets a late "sent" undo "delivered"', async () => {
    const customerId = await acme.customer([{ number: '+1 201 555 0133', type: 'mobile' }]);
    const ticket = await acme.ticket(customerId);
    const [row] = await settled(ticket.id);
    const path = `/webhooks/twilio/status?m=${row.id}`;
    const callback = (status: string, extra: Record<string, string> = {}, signature?: string) => {
      const params = {
        MessageSid: row.providerMessageId!,
        MessageStatus: status,
        AccountSid: t.twilio.accountSid,
        ...extra,
      };
      return t.postTwilio(path, params, signature);
    };
    const status = async () => (await acme.get(`/api/sms/messages/${row.id}`).expect(200)).body.status;

    const forged = await callback(
      'failed',
      {},
      signTwilioRequest('not-the-auth-token', `${PUBLIC_URL}${path}`, { MessageStatus: 'failed' }),
    );
    expect(forged.status).toBe(403);
    expect(await status()).toBe('queued');
    await t.http().post(path).type('form').send('MessageSid=SMx&MessageStatus=failed').expect(403);

    const ok = await callback('delivered').expect(200);
    expect(ok.headers['content-type']).toMatch(/text\/xml/);
    expect(ok.text).toContain('<Response/>');
    expect(await status()).toBe('delivered');
    await callback('sent').expect(200);
    expect(await status()).toBe('delivered');
  });

  it('stores a late failure code on an undelivered message', async () => {
    const customerId = await acme.customer([{ number: '+1 201 555 0134', type: 'mobile' }]);
    const ticket = await acme.ticket(customerId);
    const [row] = await settled(ticket.id);
    const path = `/webhooks/twilio/status?m=${row.id}`;
    const params = { MessageSid: row.providerMessageId!, MessageStatus: 'undelivered', ErrorCode: '30003' };
    await t.postTwilio(path, params).expect(200);
    expect((await acme.get(`/api/sms/messages/${row.id}`).expect(200)).body).toMatchObject({
      status: 'undelivered',
      errorCode: '30003',
    });
  });

  it('retries after a 429 and sends the SMS once', async () => {
    t.twilio.failNext(2, { status: 429 });
    const customerId = await acme.customer([{ number: '+1 201 555 0122', type: 'mobile' }]);
    const ticket = await acme.ticket(customerId);
    const [row] = await settled(ticket.id);
    expect(row.status).toBe('queued');
    expect(await t.jobEnds(SmsQueue.Outbound, row.id)).toBe('completed');
    expect(t.twilio.sendAttempts().length).toBe(3);
    expect(sentTo('+12015550122')).toHaveLength(1);
  });

  it('does not send twice when Twilio answered 500 after creating the message', async () => {
    t.twilio.failNext(1, { status: 500, createdAnyway: true });
    const customerId = await acme.customer([{ number: '+1 201 555 0121', type: 'mobile' }]);
    const ticket = await acme.ticket(customerId);
    const [row] = await settled(ticket.id);
    expect(await t.jobEnds(SmsQueue.Outbound, row.id)).toBe('completed');
    const created = t.twilio.sentMessages().filter((m) => m.to === '+12015550121');
    expect(created).toHaveLength(1);
    expect(row.providerMessageId).toBe(created[0].sid);
  });

  it('does not send twice when the request timed out after Twilio created the message', async () => {
    t.twilio.hangNext(1, { createdAnyway: true });
    const customerId = await acme.customer([{ number: '+1 201 555 0120', type: 'mobile' }]);
    const ticket = await acme.ticket(customerId);
    const [row] = await settled(ticket.id);
    expect(await t.jobEnds(SmsQueue.Outbound, row.id)).toBe('completed');
    const created = t.twilio.sentMessages().filter((m) => m.to === '+12015550120');
    expect(created).toHaveLength(1);
    expect(row.providerMessageId).toBe(created[0].sid);
  });

  it('sends once after a 500 that created nothing', async () => {
    t.twilio.failNext(1, { status: 500 });
    const customerId = await acme.customer([{ number: '+1 201 555 0119', type: 'mobile' }]);
    const ticket = await acme.ticket(customerId);
    const [row] = await settled(ticket.id);
    expect(row.status).toBe('queued');
    expect(sentTo('+12015550119')).toHaveLength(1);
  });

  it('ends a message refused by Twilio as failed or opted_out, with the code, and does not retry', async () => {
    t.twilio.rejectRecipient('+12015550118', 21211);
    t.twilio.rejectRecipient('+12015550117', 21610);
    const invalid = await acme.ticket(await acme.customer([{ number: '+1 201 555 0118', type: 'mobile' }]));
    const optedOut = await acme.ticket(await acme.customer([{ number: '+1 201 555 0117', type: 'mobile' }]));
    const [a] = await settled(invalid.id);
    const [b] = await settled(optedOut.id);
    expect(a).toMatchObject({ status: 'failed', errorCode: '21211' });
    expect(b).toMatchObject({ status: 'opted_out', errorCode: '21610' });
    // Ended for good, not waiting for a retry.
    await t.jobEnds(SmsQueue.Outbound, a.id);
    await t.jobEnds(SmsQueue.Outbound, b.id);
    expect(t.twilio.sendAttempts()).toHaveLength(2);
  });

  it('finds a pending row whose job vanished from Redis and sends it once', async () => {
    const customerId = await acme.customer([{ number: '+1 201 555 0116', type: 'mobile' }]);
    // A crash between commit and enqueue: the row exists, its job never did.
    const ticketId = await t.db.transaction(async (tx) => {
      const [{ id }] = await tx.query(
        `INSERT INTO tickets (account_id, number, customer_id, subject, problem, portal_token) VALUES ($1, 99001, $2, 'Lost job', 'Lost job', 'tok-lost-job') RETURNING id`,
        [acme.id, customerId],
      );
      await tx.query(
        `INSERT INTO sms_messages (account_id, direction, kind, ticket_id, send_id, to_number, from_number, body, status, provider, segments, updated_at)
         VALUES ($1, 'outbound', 'initial_problem', $2, gen_random_uuid(), '+12015550116', '+12025550100', 'Sent by the sweep', 'pending', 'twilio', 1, now() - interval '1 minute')`,
        [acme.id, id],
      );
      return id as string;
    });
    const [row] = await settled(ticketId);
    expect(row.status).toBe('queued');
    expect(await t.jobEnds(SmsQueue.Outbound, row.id)).toBe('completed');
    // Later sweeps see the row sent and leave it alone.
    await t.sweeps(2);
    expect(sentTo('+12015550116').map((m) => m.body)).toEqual(['Sent by the sweep']);
  });

  it('sends a text once when a second job for it runs while its request is still on its way to Twilio', async () => {
    const customerId = await acme.customer([{ number: '+1 201 555 0117', type: 'mobile' }]);
    const ticket = await acme.ticket(customerId);
    await settled(ticket.id);
    t.twilio.arriveLate(1, 1500);
    await acme.post(`/api/tickets/${ticket.id}/updates`, { smsBody: 'Sent once, whatever the jobs' }).expect(201);
    const [{ id }] = await eventually<{ id: string }[]>(
      () =>
        t.db.query(
          `SELECT id FROM sms_messages WHERE ticket_id = $1 AND kind = 'ticket_update' AND status = 'submitting'`,
          [ticket.id],
        ),
      (rows) => rows.length === 1,
    );
    // Redis lost the row's job (a flush) and the outbox sweep put the row on the queue again, as another job.
    await t
      .queue(SmsQueue.Outbound)
      .add(
        SmsJob.SendMessage,
        { messageId: id },
        { jobId: `again-${id}`, attempts: 12, backoff: { type: 'exponential', delay: 100 } },
      );
    expect(await t.jobEnds(SmsQueue.Outbound, `again-${id}`, 30_000)).toBe('completed');
    // The first job ends once its late request was answered: only then is every message Twilio took counted.
    expect(await t.jobEnds(SmsQueue.Outbound, id, 30_000)).toBe('completed');
    const rows = await settled(ticket.id, 2);
    expect(rows.find((r) => r.id === id)?.status).toBe('queued');
    expect(sentTo('+12015550117').filter((m) => m.body.includes('Sent once, whatever the jobs'))).toHaveLength(1);
  });

  it('refuses an SMS update longer than 1,600 characters and stores nothing', async () => {
    const customerId = await acme.customer([{ number: '+1 201 555 0115', type: 'mobile' }]);
    const ticket = await acme.ticket(customerId);
    await settled(ticket.id);
    const res = await acme.post(`/api/tickets/${ticket.id}/updates`, { smsBody: 'x'.repeat(1700) }).expect(422);
    expect(res.body.message).toMatch(/limit is 1600/);
    expect(await acme.sms(ticket.id)).toHaveLength(1);
    const detail = await acme.get(`/api/tickets/${ticket.id}`).expect(200);
    expect(detail.body.comments).toHaveLength(0);
  });
});
