import { Client } from 'pg';
import { runSmsMigrations } from 'ticket-sms/migrations';
import { DataSource } from 'typeorm';
import { databaseOptions } from './database';

/** Creates the database if needed, then runs our migrations (table `migrations`) and ticket-sms's (`sms_migrations`). */
export async function migrate(url: string): Promise<string[]> {
  await createDatabase(url);
  const dataSource = await new DataSource(databaseOptions(url)).initialize();
  try {
    const ours = await dataSource.runMigrations({ transaction: 'each' });
    const sms = await runSmsMigrations(databaseOptions(url));
    return [...ours.map((m) => m.name), ...sms];
  } finally {
    await dataSource.destroy();
  }
}

async function createDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const server = new URL(url);
  server.pathname = '/postgres';
  const client = new Client({ connectionString: server.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}
