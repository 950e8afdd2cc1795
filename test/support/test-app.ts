import { randomBytes } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { Test, TestingModuleBuilder } from '@nestjs/testing';
import { Client } from 'pg';
import Redis from 'ioredis';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/bootstrap';
import { Environment, loadEnvironment } from '../../src/config/app-config';
import { ensureDatabase, migrateDatabase } from '../../src/database/ensure-database';
import { jobEnded, SmsQueue } from '../../src/sms/queues/queues';
import { FakeTwilio, signTwilioRequest, twilioForm } from '../fakes/fake-twilio';

export const PG_URL = process.env.TEST_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const PLATFORM_TOKEN = 'platform-token-for-tests-0123456789';
export const PUBLIC_URL = 'https://helpdesk.test';

export interface TestAppOptions {
  /** Suite name: part of the database name and the queue prefix. */
  suite: string;
  provider?: 'sandbox' | 'twilio';
  env?: Partial<Record<keyof Environment, string>>;
  /** Override providers (e.g. the Clock) before the app starts. */
  customize?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
  /** Runs on the suite's new, empty database before it is migrated (e.g. to load an older schema with data). */
  beforeMigrate?: (databaseUrl: string) => Promise<void>;
}

/**
 * One running service against real PostgreSQL and Redis, in a database and queue prefix of its own,
 * with a local fake Twilio. `close()` removes the database and the suite's Redis keys.
 */
export class TestApp {
  private constructor(
    readonly app: INestApplication,
    readonly env: Environment,
    readonly twilio: FakeTwilio,
    readonly db: DataSource,
    private readonly options: TestAppOptions,
    /** A sibling shares its first process's database, Redis keys and fake Twilio, which only the first removes. */
    private readonly sibling_: boolean = false,
  ) {}

  static async start(options: TestAppOptions): Promise<TestApp> {
    const id = `${options.suite.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
    const twilio = await FakeTwilio.start();
    const env = loadEnvironment({
      DATABASE_URL: `${PG_URL}/ticket_sms_test_${id}`,
      REDIS_URL,
      // Hash-tagged, as the default is (Redis Cluster needs it): the suites run on the keys production uses.
      QUEUE_PREFIX: `{test-${id}}`,
      PUBLIC_URL,
      PLATFORM_TOKEN,
      SMS_PROVIDER: options.provider ?? 'twilio',
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_API_URL: twilio.url,
      // The fake serves media from loopback, which the fetcher refuses unless told.
      MEDIA_PRIVATE_ADDRESS_HOSTS: `${new URL(twilio.url).host},${new URL(twilio.cdnUrl).host}`,
      TWILIO_TIMEOUT_MS: '2000',
      SEND_RETRY_BASE_MS: '100',
      OUTBOX_SWEEP_MS: '500',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...options.env,
    });
    if (options.beforeMigrate) {
      await ensureDatabase(env.DATABASE_URL);
      await options.beforeMigrate(env.DATABASE_URL);
    }
    await migrateDatabase(env.DATABASE_URL);
    const app = await TestApp.createApp(env, options);
    return new TestApp(app, env, twilio, app.get(DataSource), options);
  }

  /**
   * Another process of the same service (same database, Redis and queue prefix), e.g. a second `api` process;
   * `env` changes its configuration (e.g. a rotated SECRETS_KEY).
   */
  async sibling(role: Environment['ROLE'], changes: Partial<Environment> = {}): Promise<TestApp> {
    const env = Object.assign(new Environment(), this.env, { ROLE: role }, changes);
    const app = await TestApp.createApp(env, this.options);
    return new TestApp(app, env, this.twilio, app.get(DataSource), this.options, true);
  }

  private static async createApp(env: Environment, options: TestAppOptions): Promise<INestApplication> {
    let builder = Test.createTestingModule({ imports: [AppModule.register(env)] });
    if (options.customize) builder = options.customize(builder);
    const moduleRef = await builder.compile();
    const app = moduleRef.createNestApplication({ bodyParser: false, bufferLogs: true });
    configureApp(app, env);
    await app.init();
    return app;
  }

  http() {
    return request(this.app.getHttpServer());
  }

  /** Requests with the platform token, for /api/platform. */
  platform() {
    const agent = request.agent(this.app.getHttpServer());
    agent.set('Authorization', `Bearer ${PLATFORM_TOKEN}`);
    return agent;
  }

  /**
   * Posts form fields to one of the service's Twilio webhooks (`path` with any query string), signed as Twilio signs
   * them: over PUBLIC_URL + path, with the fake Twilio's auth token. `signature` sends another one instead (a forgery).
   */
  postTwilio(path: string, params: Record<string, string>, signature?: string) {
    return this.http()
      .post(path)
      .set('X-Twilio-Signature', signature ?? signTwilioRequest(this.twilio.authToken, `${PUBLIC_URL}${path}`, params))
      .type('form')
      .send(twilioForm(params));
  }

  /** One of the module's queues, under this suite's prefix. */
  queue(name: SmsQueue): Queue {
    return this.app.get<Queue>(getQueueToken(name));
  }

  /**
   * Waits until the job with this id has run for good (completed, or failed with no retry left) and returns its
   * state: the positive sign that its work is over before a test checks that something did not happen.
   */
  async jobEnds(name: SmsQueue, jobId: string, timeoutMs = 15000): Promise<string> {
    const queue = this.queue(name);
    return eventually(
      () => queue.getJobState(jobId),
      (state) => state !== 'unknown' && jobEnded(state),
      timeoutMs,
    );
  }

  /**
   * Waits until every inbound text stored from this phone has been handled for good by its job (its webhook batch's
   * job, or a job of its own): matching, comments and any after-hours reply are done by then.
   */
  async inboundHandled(fromNumber: string, timeoutMs = 15000): Promise<void> {
    const rows: { id: string; inbound_job_id: string | null }[] = await this.db.query(
      `SELECT id, inbound_job_id FROM sms_messages WHERE direction = 'inbound' AND from_number = $1`,
      [fromNumber],
    );
    if (rows.length === 0) throw new Error(`no inbound text stored from ${fromNumber}`);
    for (const row of rows) await this.jobEnds(SmsQueue.Inbound, row.inbound_job_id ?? row.id, timeoutMs);
  }

  /**
   * Waits until `count` maintenance sweeps have started and finished after this call (outbox, held texts, scheduled
   * rows, inbound stragglers, secrets): a sweep already running when it is called does not count.
   */
  async sweeps(count = 1, timeoutMs = 15000): Promise<void> {
    const queue = this.queue(SmsQueue.Maintenance);
    const before = await queue.getCompletedCount();
    await eventually(
      () => queue.getCompletedCount(),
      (done) => done >= before + count + 1,
      timeoutMs,
    );
  }

  async close(): Promise<void> {
    await this.app.close();
    if (this.sibling_) return;
    await this.twilio.close();
    await dropDatabase(this.env.DATABASE_URL);
    await deleteKeys(this.env.REDIS_URL, `${this.env.QUEUE_PREFIX}:*`);
  }

  /** A new account with an SMS number; returns the admin's token. */
  async account(name = 'Acme IT', extra: Record<string, unknown> = {}): Promise<TestAccount> {
    const created = await this.http()
      .post('/api/platform/accounts')
      .set('Authorization', `Bearer ${PLATFORM_TOKEN}`)
      .send({ name, ...extra })
      .expect(201);
    const account = new TestAccount(this, created.body.id, created.body.adminToken);
    return account;
  }
}

export class TestAccount {
  constructor(
    readonly t: TestApp,
    readonly id: string,
    readonly adminToken: string,
  ) {}

  get(path: string, token = this.adminToken) {
    return this.t.http().get(path).set('Authorization', `Bearer ${token}`);
  }

  post(path: string, body: object, token = this.adminToken) {
    return this.t.http().post(path).set('Authorization', `Bearer ${token}`).send(body);
  }

  put(path: string, body: object, token = this.adminToken) {
    return this.t.http().put(path).set('Authorization', `Bearer ${token}`).send(body);
  }

  patch(path: string, body: object, token = this.adminToken) {
    return this.t.http().patch(path).set('Authorization', `Bearer ${token}`).send(body);
  }

  delete(path: string, token = this.adminToken) {
    return this.t.http().delete(path).set('Authorization', `Bearer ${token}`);
  }

  /**
   * Adds a number the way an account gets one of the platform's: the fake Twilio lists it (IncomingPhoneNumbers), the
   * platform assigns it to this account, and the admin adds it, shared by the whole account; it is verified and sends.
   */
  async addNumber(number = '+12025550100', label = 'Main'): Promise<string> {
    await this.assignNumber(number);
    return (await this.post('/api/sms/numbers', { number, label, kind: 'shared' }).expect(201)).body.id;
  }

  /** The platform assigns one of its Twilio numbers (listed by the fake Twilio from now on) to this account. */
  async assignNumber(number: string): Promise<void> {
    this.t.twilio.ownNumber(number);
    await this.t.platform().post(`/api/platform/accounts/${this.id}/numbers`).send({ number }).expect(201);
  }

  /** The platform gives this account add-on credits (the way credits come in when nothing is bought). */
  async grantCredits(credits: number, reason = 'Credits for the test'): Promise<void> {
    await this.t.platform().post(`/api/platform/accounts/${this.id}/credits`).send({ credits, reason }).expect(201);
  }

  /** Buys packs the reference helpdesk's way: the purchase is invoiced, then the platform marks the invoice paid. */
  async buyCredits(packs: number): Promise<void> {
    const invoiced = await this.post('/api/sms/credits/purchases', { packs }).expect(202);
    await this.t.platform().post(`/api/platform/invoices/${invoiced.body.reference}/paid`).expect(200);
  }

  async technician(
    name = 'Tess Tech',
    email = `tess.${randomBytes(3).toString('hex')}@acme.test`,
  ): Promise<{ id: string; token: string }> {
    return (await this.post('/api/users', { name, email, role: 'technician' }).expect(201)).body;
  }

  async customer(phones: { number: string; type: string }[], extra: Record<string, unknown> = {}): Promise<string> {
    return (await this.post('/api/customers', { name: 'Carla Customer', phones, ...extra }).expect(201)).body.id;
  }

  async ticket(
    customerId: string,
    token = this.adminToken,
    subject = 'Printer offline',
    problem = 'The office printer shows offline.',
  ) {
    return (await this.post('/api/tickets', { customerId, subject, problem }, token).expect(201)).body as {
      id: string;
      number: number;
      status: string;
    };
  }

  async sms(ticketId: string): Promise<SmsRow[]> {
    return (await this.get(`/api/tickets/${ticketId}/sms`).expect(200)).body.messages;
  }
}

export interface SmsRow {
  id: string;
  direction: string;
  kind: string;
  to: string | null;
  from: string | null;
  body: string;
  status: string;
  reason: string | null;
  errorCode: string | null;
  segments: number;
  providerMessageId: string | null;
}

/** Polls until `probe` returns a value that passes `done`, or fails with the last value seen. */
export async function eventually<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 15000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!done(last)) {
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
    last = await probe();
  }
  return last;
}

export async function dropDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const admin = new Client({ connectionString: `${PG_URL}/postgres` });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

async function deleteKeys(url: string, pattern: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
