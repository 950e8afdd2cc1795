import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BullModule } from '@nestjs/bullmq';
import { INestApplication, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import request from 'supertest';
import { DataSource, EntityManager } from 'typeorm';
import { runSmsMigrations } from '../../migrations';
import { ensureDatabase } from '../../src/database/ensure-database';
import {
  AccountInfo,
  configureSmsHttp,
  CustomerSummary,
  PlatformNumbers,
  resolveSmsOptions,
  SMS_ENTITIES,
  SmsModule,
  TicketGatewayBase,
  TicketSmsContext,
  TicketSummary,
  TicketTexts,
  UserSummary,
} from '../../src/sms';
import { ResolvedSmsOptions, SMS_MODULE_OPTIONS } from '../../src/sms/sms.options';
import { packageTemplatesFolder } from '../../src/sms/templates/default-templates';
import { SandboxPhone } from '../../src/sms/testing';
import { dropDatabase, eventually, PG_URL } from '../support/test-app';

jest.setTimeout(60_000);

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const CUSTOMER_PHONE = '+12025550123';

/** A single-company host: one fixed account ('1'), integer-like ids, one ticket table of its own. */
class SoloGateway extends TicketGatewayBase {
  constructor(private readonly db: () => DataSource) {
    super();
  }
  async getAccount(accountId: string): Promise<AccountInfo | null> {
    return accountId === '1'
      ? {
          id: '1',
          name: 'Solo IT',
          defaultCountry: 'US',
          timezone: 'America/New_York',
          subscribedAt: new Date('2025-01-01'),
        }
      : null;
  }
  async getTicketContext(
    accountId: string,
    ticketId: string,
    _technicianId: string | null,
    tx?: EntityManager,
  ): Promise<TicketSmsContext | null> {
    const [ticket] = await (tx ?? this.db().manager).query(`SELECT id, subject FROM solo_tickets WHERE id::text = $1`, [
      ticketId,
    ]);
    if (accountId !== '1' || !ticket) return null;
    return {
      account: { id: '1', name: 'Solo IT', defaultCountry: 'US', timezone: 'America/New_York' },
      ticket: {
        id: String(ticket.id),
        number: ticket.id,
        subject: ticket.subject,
        problem: ticket.subject,
        status: 'New',
        portalUrl: 'https://solo.test/t',
      },
      customer: { id: '9', name: 'Carla', smsEnabled: true, phones: [{ number: CUSTOMER_PHONE, type: 'mobile' }] },
      technician: null,
    };
  }
  async getUser(accountId: string, userId: string): Promise<UserSummary | null> {
    return accountId === '1' && userId === '7' ? { id: '7', name: 'Owner', role: 'admin', teamIds: [] } : null;
  }
  async findUserByEmail() {
    return null;
  }
  async findCustomersByPhone(): Promise<CustomerSummary[]> {
    return [];
  }
  async createCustomerFromPhone(): Promise<CustomerSummary> {
    throw new Error('this host takes no texts from strangers');
  }
  async listOpenTickets(): Promise<TicketSummary[]> {
    return [];
  }
  async findTicket() {
    return null;
  }
  async createTicketFromSms(): Promise<TicketSummary> {
    throw new Error('this host takes no texts from strangers');
  }
  async addCustomerComment(): Promise<{ commentId: string }> {
    throw new Error('not used here');
  }
  async addTechnicianText(): Promise<{ commentId: string }> {
    throw new Error('not used here');
  }
  async addPrivateNote(): Promise<{ commentId: string }> {
    return { commentId: '0' };
  }
  async moveComment(): Promise<void> {}
}

/**
 * The module registered by a host that is not the reference helpdesk: forRoot, its own caller resolution (an API key
 * header), a route prefix, credit metering off, its own templates folder, and only the module's migrations.
 */
describe('registering the module in another host', () => {
  let app: INestApplication;
  let db: DataSource;
  let templatesDir: string;
  let storageDir: string;
  const url = `${PG_URL}/ticket_sms_test_registration_${randomBytes(4).toString('hex')}`;
  const prefix = `test-registration-${randomBytes(4).toString('hex')}`;
  const asOwner = (r: request.Test) => r.set('X-Api-Key', 'owner-key');

  beforeAll(async () => {
    templatesDir = await mkdtemp(join(tmpdir(), 'ticket-sms-templates-'));
    storageDir = await mkdtemp(join(tmpdir(), 'ticket-sms-storage-'));
    for (const key of ['initial_problem', 'ticket_update', 'after_hours']) {
      await writeFile(join(templatesDir, `${key}.hbs`), await readFile(join(packageTemplatesFolder(), `${key}.hbs`)));
    }
    await writeFile(join(templatesDir, 'initial_problem.hbs'), 'Solo IT got #{{ticket.number}}: {{ticket.subject}}');
    await ensureDatabase(url);
    await runSmsMigrations({ type: 'postgres', url });

    @Module({
      imports: [
        TypeOrmModule.forRoot({ type: 'postgres', url, entities: SMS_ENTITIES }),
        BullModule.forRoot({ prefix, connection: { url: REDIS_URL, maxRetriesPerRequest: null } }),
        SmsModule.forRoot({
          ticketGateway: new SoloGateway(() => db),
          publicUrl: 'https://solo.test',
          provider: 'sandbox',
          creditMetering: false,
          templatesDir,
          storageDir,
          outboxSweepMs: 500,
          resolveCaller: (req) =>
            (req as { headers: Record<string, string | undefined> }).headers['x-api-key'] === 'owner-key'
              ? { accountId: '1', userId: '7', role: 'admin' }
              : null,
          routes: { prefix, ticketTexts: false },
        }),
      ],
    })
    class SoloHostModule {}

    const moduleRef = await Test.createTestingModule({ imports: [SoloHostModule] }).compile();
    app = moduleRef.createNestApplication({ bodyParser: false });
    configureSmsHttp(app);
    await app.init();
    db = app.get(DataSource);
    await db.query('CREATE TABLE solo_tickets (id serial PRIMARY KEY, subject text NOT NULL)');
    // The platform gives the account its number; the account's admin then adds it.
    await app.get(PlatformNumbers).assign('1', '+12025550100');
    await asOwner(request(app.getHttpServer()).post(`/${prefix}/sms/numbers`))
      .send({ number: '+12025550100', label: 'Main', kind: 'shared' })
      .expect(201);
  });

  afterAll(async () => {
    await app?.close();
    await dropDatabase(url);
    await rm(templatesDir, { recursive: true, force: true });
    await rm(storageDir, { recursive: true, force: true });
  });

  it("asks the host who is calling, and serves its routes under the host's prefix only", async () => {
    const http = request(app.getHttpServer());
    await http.get(`/${prefix}/sms/settings`).expect(401);
    await asOwner(http.get(`/${prefix}/sms/settings`)).expect(200);
    await asOwner(http.get('/sms/settings')).expect(404);
    // The webhooks too, and the URLs given to providers carry the prefix.
    await http.post(`/${prefix}/webhooks/twilio/inbound`).type('form').send({ Body: 'hi' }).expect(403);
    await http.post('/webhooks/twilio/inbound').type('form').send({ Body: 'hi' }).expect(404);
    expect(app.get<ResolvedSmsOptions>(SMS_MODULE_OPTIONS).webhookBaseUrl).toBe(`https://solo.test/${prefix}`);
  });

  it('leaves out the credit routes when metering is off and the groups the host turned off, and keeps the sandbox routes', async () => {
    const http = request(app.getHttpServer());
    await asOwner(http.get(`/${prefix}/sms/credits`)).expect(404);
    await asOwner(http.post(`/${prefix}/sms/credits/purchases`))
      .send({ packs: 1 })
      .expect(404);
    await asOwner(http.get(`/${prefix}/sms/sandbox/messages`)).expect(200);
    // This host shows a ticket's texts its own way.
    await asOwner(http.get(`/${prefix}/tickets/1/sms`)).expect(404);
  });

  it("texts from the host's own templates, spending no credits", async () => {
    const { result, messageIds } = await app.get(TicketTexts).created({ accountId: '1', userId: '7' }, async (tx) => {
      const [row] = await tx.query(`INSERT INTO solo_tickets (subject) VALUES ('Printer offline') RETURNING id`);
      return { result: row.id as number, ticketId: String(row.id) };
    });
    expect(messageIds).toHaveLength(1);
    const [text] = await new SandboxPhone(app, '1').waitForTexts(CUSTOMER_PHONE, 1);
    expect(text.body).toBe(`Solo IT got #${result}: Printer offline`);
    expect(await db.query(`SELECT count(*)::int AS n FROM sms_credit_entries`)).toEqual([{ n: 0 }]);
  });

  it("keeps the host's write when the text cannot be written, and records why", async () => {
    await writeFile(join(templatesDir, 'ticket_update.hbs'), '{{#each}}broken');
    const { result, messageIds } = await app
      .get(TicketTexts)
      .updated({ accountId: '1', userId: '7', ticketId: '1' }, async (tx) => {
        await tx.query(`UPDATE solo_tickets SET subject = 'Printer offline (updated)' WHERE id = 1`);
        return { result: 'saved', commentId: '55', smsBody: 'We are on it' };
      });
    expect({ result, messageIds }).toEqual({ result: 'saved', messageIds: [] });
    expect(await db.query(`SELECT subject FROM solo_tickets WHERE id = 1`)).toEqual([
      { subject: 'Printer offline (updated)' },
    ]);
    const failed = await eventually<{ status: string; error_message: string }[]>(
      () => db.query(`SELECT status, error_message FROM sms_messages WHERE ticket_id = '1' AND kind = 'ticket_update'`),
      (rows: { status: string; error_message: string }[]) => rows.length === 1,
    );
    expect(failed[0].status).toBe('failed');
    expect(failed[0].error_message).toMatch(/could not be written/);
  });
});

describe('options are checked at start-up', () => {
  it('names every problem at once', () => {
    expect(() =>
      resolveSmsOptions({
        ticketGateway: {} as never,
        publicUrl: 'not a url',
        provider: 'twilio',
        workerConcurrency: 0,
        templatesDir: tmpdir(),
      }),
    ).toThrow(
      /ticketGateway lacks getAccount[\s\S]*publicUrl must be an absolute http\(s\) URL[\s\S]*provider 'twilio' needs twilio[\s\S]*templatesDir .* lacks initial_problem.hbs[\s\S]*workerConcurrency must be a whole number above 0/,
    );
  });

  it('fills in the defaults', () => {
    const resolved = resolveSmsOptions({
      ticketGateway: new SoloGateway(() => undefined as never),
      publicUrl: 'https://desk.example.com/',
      provider: 'sandbox',
    });
    expect(resolved).toMatchObject({
      publicUrl: 'https://desk.example.com',
      webhookBaseUrl: 'https://desk.example.com',
      creditMetering: true,
      templatesDir: packageTemplatesFolder(),
      outboxSweepMs: 30_000,
      mediaMaxBytes: 5 * 1024 * 1024,
    });
    expect(resolved.storageDir).toBe(join(process.cwd(), 'var', 'storage'));
  });
});
