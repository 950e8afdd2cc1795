import { Client } from 'pg';
import { DataSource, MigrationExecutor } from 'typeorm';
import { databaseOptions } from './database-options';

/** Creates the database named in `url` when it does not exist yet (connecting to the server's `postgres` database). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL names no database');
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      try {
        await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      } catch (e) {
        // Another process may have created it a moment ago: duplicate_database, or (both creating at once) the catalog's unique index.
        const code = (e as { code?: string }).code;
        if (code !== '42P04' && code !== '23505') throw e;
      }
    }
  } finally {
    await client.end();
  }
}

// Any constant works; it only has to be the same in every process of this service.
const MIGRATION_LOCK = 7_236_001;

/** Runs pending migrations under an advisory lock, so several processes starting at once migrate once. */
export async function migrateDatabase(url: string): Promise<string[]> {
  await ensureDatabase(url);
  const dataSource = new DataSource(databaseOptions(url));
  await dataSource.initialize();
  try {
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      // On the lock's own connection: the migrations need no second one.
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = 'each';
      const ran = await executor.executePendingMigrations();
      return ran.map((m) => m.name);
    } finally {
      // A connection that died took its session's lock with it, and a live one's lock ends with the pool below:
      // a failed unlock must not hide the migration's own error, nor keep the runner.
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
      await runner.release();
    }
  } finally {
    await dataSource.destroy();
  }
}
