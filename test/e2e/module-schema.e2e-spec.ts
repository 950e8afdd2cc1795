import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from 'pg';
import { runSmsMigrations, SMS_MIGRATION_LOCK, SMS_MIGRATIONS, SMS_MIGRATIONS_TABLE } from '../../migrations';
import { ensureDatabase } from '../../src/database/ensure-database';
import { hashToken } from '../../src/helpdesk/auth/tokens';
import { dropDatabase, eventually, PG_URL, TestAccount, TestApp } from '../support/test-app';

jest.setTimeout(60_000);

const FIXTURE = join(__dirname, '..', 'fixtures', 'database-before-module-schema.sql');

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const tablesOf = (client: Client) =>
  client
    .query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    )
    .then((r) => r.rows.map((row) => row.table_name));

/** An empty database of its own for one test, dropped after it whatever happens. */
async function withNewDatabase(name: string, work: (url: string) => Promise<void>): Promise<void> {
  const url = `${PG_URL}/ticket_sms_test_module_${name}_${randomBytes(4).toString('hex')}`;
  await ensureDatabase(url);
  try {
    await work(url);
  } finally {
    await dropDatabase(url);
  }
}

describe("the module's own schema", () => {
  it('an empty database migrated with the module alone holds only its tables, under its own migrations table', async () => {
    await withNewDatabase('only', async (url) => {
      const ran = await runSmsMigrations({ type: 'postgres', url });
      expect(ran).toEqual([
        'SmsSchema1796000000000',
        'PlatformNumbers1796100000100',
        'NumberLifecycle1796200000000',
        'SharedSending1796200000100',
        'SweepIndexInFlight1796300000200',
      ]);
      expect(await runSmsMigrations({ type: 'postgres', url })).toEqual([]);
      const tables = await withClient(url, tablesOf);
      expect(tables).toContain('sms_messages');
      expect(tables).toContain(SMS_MIGRATIONS_TABLE);
      expect(tables.filter((name) => !name.startsWith('sms_'))).toEqual([]);
      // Host ids are text: an integer host's ids fit.
      const types = await withClient(url, (c) =>
        c.query<{ column_name: string; data_type: string }>(
          `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'sms_messages' AND column_name IN ('account_id', 'ticket_id', 'id')`,
        ),
      );
      expect(Object.fromEntries(types.rows.map((r) => [r.column_name, r.data_type]))).toEqual({
        account_id: 'text',
        ticket_id: 'text',
        id: 'uuid',
      });
    });
  });

  it('migrates through a host connection whose pool keeps a single connection', async () => {
    await withNewDatabase('one', async (url) => {
      const ran = await runSmsMigrations({ type: 'postgres', url, extra: { max: 1 } });
      expect(ran).toEqual(SMS_MIGRATIONS.map((migration) => migration.name));
      const tables = await withClient(url, tablesOf);
      expect(tables).toContain('sms_messages');
    });
  });

  it('a run whose connection is cut fails with the reason, and the next run migrates', async () => {
    await withNewDatabase('cut', async (url) => {
      await withClient(url, async (holder) => {
        // Another process is migrating: the run waits for the lock, and its connection is cut while it waits.
        await holder.query('SELECT pg_advisory_lock($1)', [SMS_MIGRATION_LOCK]);
        const outcome = runSmsMigrations({ type: 'postgres', url }).then(
          () => null,
          (error: unknown) => error,
        );
        const waiting = await eventually(
          () =>
            holder
              .query<{ pid: number }>(
                `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = 0 AND objid = $1
                 AND objsubid = 1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
                [SMS_MIGRATION_LOCK],
              )
              .then((r) => r.rows),
          (rows) => rows.length === 1,
        );
        await holder.query('SELECT pg_terminate_backend($1)', [waiting[0].pid]);
        // The caller learns why (PostgreSQL's admin_shutdown), not that the lock could not be given back afterwards.
        expect(await outcome).toMatchObject({ code: '57P01', message: expect.stringMatching(/terminat/) });
        await holder.query('SELECT pg_advisory_unlock($1)', [SMS_MIGRATION_LOCK]);
      });
      expect(await runSmsMigrations({ type: 'postgres', url })).toEqual(SMS_MIGRATIONS.map((m) => m.name));
    });
  });

  describe('a database from before the module had its own schema', () => {
    let t: TestApp;
    let before: Record<string, number>;
    const counts = (client: Client) =>
      tablesOf(client).then(async (tables) => {
        const result: Record<string, number> = {};
        for (const table of tables.filter((name) => name !== 'migrations')) {
          result[table] = Number((await client.query(`SELECT count(*) AS n FROM "${table}"`)).rows[0].n);
        }
        return result;
      });

    beforeAll(async () => {
      t = await TestApp.start({
        suite: 'module_schema_carry_over',
        provider: 'sandbox',
        beforeMigrate: (url) =>
          withClient(url, async (client) => {
            await client.query(await readFile(FIXTURE, 'utf8'));
            // pg_dump's script empties the session's search_path.
            await client.query('RESET search_path');
            before = await counts(client);
          }),
      });
    });

    afterAll(async () => {
      await t?.close();
    });

    it('is carried over with every row kept and host ids as text', async () => {
      const after = await withClient(t.env.DATABASE_URL, counts);
      // Every table there was keeps its rows (tables added since may have been filled from them).
      expect(Object.fromEntries(Object.keys(before).map((table) => [table, after[table]]))).toEqual(before);
      expect(before.sms_messages).toBeGreaterThan(0);
      expect(before.tickets).toBeGreaterThan(0);
      const [column] = await t.db.query(
        `SELECT data_type FROM information_schema.columns WHERE table_name = 'sms_messages' AND column_name = 'ticket_id'`,
      );
      expect(column.data_type).toBe('text');
    });

    it('serves what was there, and texts again', async () => {
      // The fixture's account, as a signed-in admin would use it: its ticket, its texts, its template override.
      const [admin] = await t.db.query(
        `SELECT u.id, u.account_id FROM users u JOIN tickets t ON t.account_id = u.account_id WHERE u.role = 'admin' LIMIT 1`,
      );
      const token = `tsk_${randomBytes(24).toString('base64url')}`;
      await t.db.query(`UPDATE users SET token_hash = $1 WHERE id = $2`, [hashToken(token), admin.id]);
      const account = new TestAccount(t, admin.account_id, token);
      const [ticket] = await t.db.query(`SELECT id, number FROM tickets WHERE account_id = $1`, [admin.account_id]);

      const old = await account.sms(ticket.id);
      expect(old.map((m) => m.direction)).toEqual(expect.arrayContaining(['outbound', 'inbound']));
      // Its numbers stay account-wide, history and all: a technician reads the texts as before the upgrade.
      const numbers = (await account.get('/api/sms/numbers').expect(200)).body as { kind: string }[];
      expect(numbers.map((n) => n.kind)).toEqual(numbers.map(() => 'shared'));
      const tech = await account.technician('Tess Tech');
      const seen = (await account.get(`/api/tickets/${ticket.id}/sms`, tech.token).expect(200)).body;
      expect(seen).toMatchObject({ hidden: 0 });
      expect(seen.messages).toHaveLength(old.length);
      await account
        .post(`/api/tickets/${ticket.id}/updates`, { smsBody: 'Back online after the upgrade', sendNow: true })
        .expect(201);
      const texts = await eventually(
        () => account.sms(ticket.id),
        (rows) => rows.some((m) => m.body.includes('Back online after the upgrade') && m.status === 'delivered'),
      );
      // The account's own ticket_update template ("#{{ticket.number}}: {{message}}") survived the upgrade.
      expect(texts.map((m) => m.body)).toContain(`#${ticket.number}: Back online after the upgrade`);
    });
  });
});
