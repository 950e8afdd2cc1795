import { DataSource, DataSourceOptions, MigrationExecutor } from 'typeorm';
import { SmsSchema1796000000000 } from './1796000000000-SmsSchema';
import { PlatformNumbers1796100000100 } from './1796100000100-PlatformNumbers';
import { NumberLifecycle1796200000000 } from './1796200000000-NumberLifecycle';
import { SharedSending1796200000100 } from './1796200000100-SharedSending';
import { SweepIndexInFlight1796300000200 } from './1796300000200-SweepIndexInFlight';

/** The module's migrations, oldest first: add them to the host's own list, or run them apart with `runSmsMigrations`. */
export const SMS_MIGRATIONS = [
  SmsSchema1796000000000,
  PlatformNumbers1796100000100,
  NumberLifecycle1796200000000,
  SharedSending1796200000100,
  SweepIndexInFlight1796300000200,
];

/** Where `runSmsMigrations` records what it ran, apart from the host's own migrations table. */
export const SMS_MIGRATIONS_TABLE = 'sms_migrations';

/**
 * The session advisory lock `runSmsMigrations` holds on the host's database while it migrates, so processes starting
 * together migrate once; a host taking advisory locks of its own keeps clear of this key.
 */
export const SMS_MIGRATION_LOCK = 7_236_002;

/**
 * Runs the module's pending migrations on the host's PostgreSQL database under a migrations table of their own
 * (`sms_migrations` unless `tableName` says otherwise), holding an advisory lock so that processes starting together
 * migrate once. `connection` is the host's connection options; its entities and migrations are not used.
 * Returns the names of the migrations that ran.
 */
export async function runSmsMigrations(
  connection: DataSourceOptions,
  options: { tableName?: string } = {},
): Promise<string[]> {
  if (connection.type !== 'postgres')
    throw new Error(`ticket-sms needs PostgreSQL; the connection given is ${connection.type}`);
  const dataSource = new DataSource({
    ...connection,
    entities: [],
    subscribers: [],
    migrations: SMS_MIGRATIONS,
    migrationsTableName: options.tableName ?? SMS_MIGRATIONS_TABLE,
    migrationsRun: false,
    synchronize: false,
  });
  await dataSource.initialize();
  try {
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SELECT pg_advisory_lock($1)', [SMS_MIGRATION_LOCK]);
      // On the lock's own connection, so one connection is enough whatever the host's pool allows.
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = 'each';
      return (await executor.executePendingMigrations()).map((migration) => migration.name);
    } finally {
      // A connection that died took its session's lock with it, and a live one's lock ends with the pool below:
      // a failed unlock must not hide the migration's own error, nor keep the runner.
      await runner.query('SELECT pg_advisory_unlock($1)', [SMS_MIGRATION_LOCK]).catch(() => undefined);
      await runner.release();
    }
  } finally {
    await dataSource.destroy();
  }
}
