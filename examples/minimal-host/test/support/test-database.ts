import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { migrate } from '../../src/database/migrate';

const SERVER = process.env.DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432';

/** A database of this run's own, with our tables and ticket-sms's migrated; `drop()` removes it. */
export async function testDatabase(suite: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `minimal_host_${suite}_${randomBytes(4).toString('hex')}`;
  const url = `${SERVER}/${name}`;
  await migrate(url);
  return {
    url,
    async drop() {
      const admin = new Client({ connectionString: `${SERVER}/postgres` });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    },
  };
}
