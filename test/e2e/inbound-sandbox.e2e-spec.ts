import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { hasGps, PDF, sidewaysPhotoWithGps } from '../fixtures/images';
import { eventually, TestAccount, TestApp } from '../support/test-app';

jest.setTimeout(60_000);

describe('sandbox: a customer text simulated end to end', () => {
  let t: TestApp;
  let acme: TestAccount;
  let other: TestAccount;
  let storageDir: string;

  beforeAll(async () => {
    storageDir = await mkdtemp(join(tmpdir(), 'ticket-sms-sandbox-'));
    t = await TestApp.start({ suite: 'inbound_sandbox', provider: 'sandbox', env: { STORAGE_DIR: storageDir } });
    acme = await t.account('Acme IT');
    await acme.addNumber('+12025550100', 'Front desk');
    other = await t.account('Other IT');
    await other.addNumber('+12025550200', 'Other desk');
  });

  afterAll(async () => {
    await t?.close();
    if (storageDir) await rm(storageDir, { recursive: true, force: true });
  });

  async function landed(messageId: string) {
    return eventually(
      async () => (await acme.get(`/api/sms/messages/${messageId}`).expect(200)).body,
      (m) => m.status !== 'received',
    );
  }

  it('runs a text with a photo through the same pipeline: a comment with a cleaned photo on the customer’s ticket', async () => {
    const tech = await acme.technician();
    const customerId = await acme.customer([{ number: '(201) 555-0123', type: 'mobile' }]);
    const ticket = await acme.ticket(customerId, tech.token);
    const photo = await sidewaysPhotoWithGps();

    const res = await acme
      .post(
        '/api/sms/sandbox/inbound',
        {
          from: '(201) 555-0123',
          to: '+1 202 555 0100',
          body: 'Screen is cracked',
          media: [
            { contentType: 'image/jpeg', base64: photo.toString('base64') },
            { contentType: 'application/pdf', base64: PDF.toString('base64') },
          ],
        },
        tech.token,
      )
      .expect(202);
    const message = await landed(res.body.messageId);
    expect(message).toMatchObject({
      direction: 'inbound',
      provider: 'sandbox',
      from: '+12015550123',
      to: '+12025550100',
      ticketId: ticket.id,
      matchRule: 'last_outbound',
    });

    const detail = (await acme.get(`/api/tickets/${ticket.id}`).expect(200)).body;
    expect(detail.status).toBe('Customer Reply');
    const [comment] = detail.comments;
    expect(comment.body).toBe(
      'Screen is cracked\n\nAttachment 2 of 2 was left out: the file is a PDF document, not a picture.',
    );
    expect(comment.attachments).toHaveLength(1);
    const stored = await acme
      .get(comment.attachments[0].url)
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(await hasGps(stored.body as Buffer)).toBe(false);
    expect((await sharp(stored.body as Buffer).metadata()).height).toBe(800);
    // The raw upload (with its GPS) is gone; only the cleaned copy and thumbnail stay.
    const uploads = await readdir(join(storageDir, 'uploads', acme.id, res.body.messageId)).catch(() => []);
    expect(uploads).toEqual([]);
  });

  it('refuses what could not come from a phone, with the reason, and stores nothing', async () => {
    const before = await t.db.query(`SELECT count(*)::int AS n FROM sms_messages WHERE direction = 'inbound'`);
    const notOurs = await acme
      .post('/api/sms/sandbox/inbound', { from: '(201) 555-0124', to: '+12025550200', body: 'hi' })
      .expect(422);
    expect(notOurs.body.message).toBe("+12025550200 is not one of this account's SMS numbers");
    const badFrom = await acme
      .post('/api/sms/sandbox/inbound', { from: 'call me', to: '+12025550100', body: 'hi' })
      .expect(422);
    expect(badFrom.body.message).toMatch(/from: "call me" is not a valid phone number/);
    await acme
      .post('/api/sms/sandbox/inbound', {
        from: '(201) 555-0124',
        to: '+12025550100',
        media: [{ contentType: 'image/jpeg', base64: '***' }],
      })
      .expect(400);
    await acme
      .post('/api/sms/sandbox/inbound', { from: '(201) 555-0124', to: '+12025550100', body: 'x'.repeat(1601) })
      .expect(400);
    await t
      .http()
      .post('/api/sms/sandbox/inbound')
      .send({ from: '(201) 555-0124', to: '+12025550100', body: 'hi' })
      .expect(401);
    const after = await t.db.query(`SELECT count(*)::int AS n FROM sms_messages WHERE direction = 'inbound'`);
    expect(after[0].n).toBe(before[0].n);
  });

  it('keeps each account to its own texts', async () => {
    const res = await acme
      .post('/api/sms/sandbox/inbound', { from: '(201) 555-0125', to: '+12025550100', body: 'New here' })
      .expect(202);
    await landed(res.body.messageId);
    await other.get(`/api/sms/messages/${res.body.messageId}`).expect(404);
    expect((await other.get('/api/sms/triage').expect(200)).body.messages).toEqual([]);
  });
});
