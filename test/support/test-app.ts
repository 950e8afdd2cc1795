import { randomBytes } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { Test, TestingModuleBuilder } from '@nestjs/testing';
import { Client } from 'pg';
import Redis from 'ioredis';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/bootstrap';
import { Environment, loadEnvironment } from '../../src/config/app-config';
import { migrateDatabase } from '../../src/database/ensure-database';
import { FakeTwilio } from '../fakes/fake-twilio';

const PG_URL = process.env.TEST_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432';
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
      QUEUE_PREFIX: `test-${id}`,
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

  /** Adds a number the fake Twilio lists as ours (IncomingPhoneNumbers), so it is verified and sends. */
  async addNumber(number = '+12025550100', label = 'Main'): Promise<string> {
    this.t.twilio.ownNumber(number);
    return (await this.post('/api/sms/numbers', { number, label }).expect(201)).body.id;
  }

  async technician(name = 'Tess Tech', email = `tess.${randomBytes(3).toString('hex')}@acme.test`): Promise<{ id: string; token: string }> {
    return (await this.post('/api/users', { name, email, role: 'technician' }).expect(201)).body;
  }

  async customer(phones: { number: string; type: string }[], extra: Record<string, unknown> = {}): Promise<string> {
    return (await this.post('/api/customers', { name: 'Carla Customer', phones, ...extra }).expect(201)).body.id;
  }

  async ticket(customerId: string, token = this.adminToken, subject = 'Printer offline', problem = 'The office printer shows offline.') {
    return (await this.post('/api/tickets', { customerId, subject, problem }, token).expect(201)).body as { id: string; number: number; status: string };
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
export async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
    last = await probe();
  }
  return last;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function dropDatabase(url: string): Promise<void> {
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
