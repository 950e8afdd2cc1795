import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import Redis from 'ioredis';
import sharp from 'sharp';
import request from 'supertest';
import { PlatformNumbers } from 'ticket-sms';
import { DataSource } from 'typeorm';
import { Account } from '../src/accounts/account.entity';
import { Agent } from '../src/accounts/agent.entity';
import { AppModule } from '../src/app.module';
import { hashApiKey } from '../src/auth/api-keys';
import { hostConfig } from '../src/config';
import { Customer } from '../src/customers/customer.entity';
import { configureApp } from '../src/setup';
import { testDatabase } from './support/test-database';

jest.setTimeout(60_000);

const run = randomBytes(4).toString('hex');

const DESK = '+12025550100';
const CARLA = '+12015550123';
const KEYS = { owner: `owner-${run}`, agent: `agent-${run}`, stranger: `stranger-${run}` };

describe('a helpdesk with integer ids texting its customers through ticket-sms', () => {
  let app: INestApplication;
  let storageDir: string;
  let database: Awaited<ReturnType<typeof testDatabase>>;
  let carla: Customer;

  const http = (key?: keyof typeof KEYS) => {
    const agent = request.agent(app.getHttpServer());
    return key ? agent.set('X-Api-Key', KEYS[key]) : agent;
  };
  const ticket = async (id: number) => (await http('agent').get(`/tickets/${id}`).expect(200)).body as TicketBody;
  const sandboxTexts = async () =>
    (await http('agent').get('/sms/sandbox/messages').expect(200)).body as { to: string; from: string; body: string }[];
  const customerTexts = (body: string, media: { contentType: string; base64: string }[] = []) =>
    http('agent').post('/sms/sandbox/inbound').send({ from: CARLA, to: DESK, body, media }).expect(202);

  beforeAll(async () => {
    // A database, a queue prefix and a storage folder of this run's own, removed at the end.
    database = await testDatabase('e2e');
    storageDir = await mkdtemp(join(tmpdir(), 'minimal-host-'));
    Object.assign(process.env, {
      DATABASE_URL: database.url,
      QUEUE_PREFIX: `minimal-host-e2e-${run}`,
      STORAGE_DIR: storageDir,
    });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ bodyParser: false });
    configureApp(app);
    await app.init();

    const db = app.get(DataSource).manager;
    const [acme, other] = await db.save(Account, [
      { name: 'Acme Repairs', country: 'US', timezone: 'America/New_York' },
      { name: 'Other Desk', country: 'US', timezone: 'America/Chicago' },
    ]);
    await db.save(Agent, [
      {
        accountId: acme.id,
        name: 'Olivia Owner',
        email: 'olivia@acme.test',
        apiKeyHash: hashApiKey(KEYS.owner),
        role: 'owner' as const,
      },
      {
        accountId: acme.id,
        name: 'Adam Agent',
        email: 'adam@acme.test',
        apiKeyHash: hashApiKey(KEYS.agent),
        role: 'agent' as const,
      },
      {
        accountId: other.id,
        name: 'Sam Stranger',
        email: 'sam@other.test',
        apiKeyHash: hashApiKey(KEYS.stranger),
        role: 'owner' as const,
      },
    ]);
    carla = await db.save(Customer, { accountId: acme.id, name: 'Carla Jones', mobile: CARLA, smsOptIn: true });
    // The platform hands the account its number (our operators would, through an admin tool); the owner then adds it.
    await app.get(PlatformNumbers).assign(String(acme.id), DESK);
    await http('owner').post('/sms/numbers').send({ number: DESK, label: 'Front desk', kind: 'shared' }).expect(201);
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
    const redis = new Redis(hostConfig().redisUrl);
    const keys = await redis.keys(`${hostConfig().queuePrefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await rm(storageDir, { recursive: true, force: true });
  });

  let ticketId: number;

  it('texts the customer when a ticket is opened for them', async () => {
    const created = await http('agent')
      .post('/tickets')
      .send({ customerId: carla.id, subject: 'Laptop will not boot', description: 'Black screen after the update' })
      .expect(201);
    expect(created.body).toMatchObject({ number: 1, status: 'open', smsMessageIds: [expect.any(String)] });
    ticketId = created.body.id;

    const [text] = await eventually(sandboxTexts, (texts) => texts.length > 0);
    expect(text).toMatchObject({ to: CARLA, from: DESK });
    expect(text.body).toContain('Hi Carla, Acme Repairs opened request #1. Reply with details or photos.');
    const sms = await http('agent').get(`/tickets/${ticketId}/sms`).expect(200);
    expect(sms.body.messages).toEqual([
      expect.objectContaining({ id: created.body.smsMessageIds[0], direction: 'outbound', status: 'delivered' }),
    ]);
  });

  it("puts the customer's reply on their ticket as a public comment", async () => {
    await customerTexts('It beeps three times now');
    const replied = await eventually(
      () => ticket(ticketId),
      (t) => t.comments.length > 0,
    );
    expect(replied.status).toBe('customer_replied');
    expect(replied.comments).toEqual([
      expect.objectContaining({
        authorKind: 'customer',
        body: 'It beeps three times now',
        isPublic: true,
        attachments: [],
      }),
    ]);
  });

  it('attaches a photo the customer texts, public and with a thumbnail', async () => {
    const photo = await sharp({
      create: { width: 1200, height: 900, channels: 3, background: { r: 200, g: 40, b: 40 } },
    })
      .jpeg()
      .toBuffer();
    await customerTexts('Photo of the screen', [{ contentType: 'image/jpeg', base64: photo.toString('base64') }]);
    const withPhoto = await eventually(
      () => ticket(ticketId),
      (t) => t.comments.some((c) => c.body === 'Photo of the screen'),
    );
    const [attachment] = withPhoto.comments.find((c) => c.body === 'Photo of the screen')!.attachments;
    expect(attachment).toMatchObject({ contentType: 'image/jpeg', isPublic: true, thumbnailKey: expect.any(String) });
    const original = await sharp(await readFile(join(storageDir, attachment.storageKey))).metadata();
    const thumbnail = await sharp(await readFile(join(storageDir, attachment.thumbnailKey!))).metadata();
    expect([original.width, original.height]).toEqual([1200, 900]);
    expect([thumbnail.width, thumbnail.height]).toEqual([320, 240]);
  });

  it('sends nothing more once the customer texts STOP', async () => {
    await customerTexts('STOP');
    // The opt-out leaves a private note on the ticket: the sign that the STOP was processed.
    await eventually(
      () => ticket(ticketId),
      (t) => t.comments.some((c) => c.authorKind === 'system' && !c.isPublic && c.body.includes('STOP')),
    );

    const update = await http('agent')
      .post(`/tickets/${ticketId}/comments`)
      .send({ body: 'Booked a visit', smsText: 'A technician comes at 3 pm' })
      .expect(201);
    const [messageId] = update.body.smsMessageIds;
    const text = await eventually(
      async () => (await http('agent').get(`/sms/messages/${messageId}`).expect(200)).body,
      (m) => m.status === 'opted_out',
    );
    expect(text).toMatchObject({ status: 'opted_out', to: CARLA });
    expect((await sandboxTexts()).map((t) => t.body)).not.toContainEqual(
      expect.stringContaining('A technician comes at 3 pm'),
    );
    expect((await ticket(ticketId)).comments).toContainEqual(
      expect.objectContaining({ authorKind: 'agent', body: 'Booked a visit', isPublic: true }),
    );
  });

  it('keeps each account to its own tickets, and each role to what it may do', async () => {
    await http().post('/tickets').send({ customerId: carla.id, subject: 'x', description: 'y' }).expect(401);
    await http().get('/sms/sandbox/messages').expect(401);
    await http('agent')
      .post('/sms/numbers')
      .send({ number: '+12025550101', label: 'Agents may not add numbers' })
      .expect(403);
    await http('stranger').get(`/tickets/${ticketId}`).expect(404);
    await http('stranger').get(`/tickets/${ticketId}/sms`).expect(404);
    await http('stranger')
      .post('/tickets')
      .send({ customerId: carla.id, subject: 'Not my customer', description: 'y' })
      .expect(404);
    await http('agent').get('/tickets/not-a-number').expect(404);
    await http('agent').get('/tickets/4294967296').expect(404);
    await http('agent').post('/tickets').send({ customerId: 'one', subject: '' }).expect(400);
    expect(await sandboxTexts()).toHaveLength(1);
  });
});

interface TicketBody {
  status: string;
  comments: {
    authorKind: string;
    body: string;
    isPublic: boolean;
    attachments: { contentType: string; isPublic: boolean; storageKey: string; thumbnailKey: string | null }[];
  }[];
}

/** Polls until `done` holds, or fails with the last value seen. */
async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let value = await probe(); ; value = await probe()) {
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
