import { join } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { SMS_MIGRATIONS } from '../../migrations';
import { DEFAULT_DATABASE_POOL_SIZE } from '../config/app-config';
import { ConsoleSchema1796000000200 } from '../console/migrations/1796000000200-ConsoleSchema';
import { ConsoleThreadReads1796200000200 } from '../console/migrations/1796200000200-ConsoleThreadReads';
import { HelpdeskSchema1796000000100 } from '../helpdesk/migrations/1796000000100-HelpdeskSchema';
import { AssigneesAndDeactivation1796100000200 } from '../helpdesk/migrations/1796100000200-AssigneesAndDeactivation';
import { CommentsStampedWhenWritten1796300000100 } from '../helpdesk/migrations/1796300000100-CommentsStampedWhenWritten';
import { SMS_ENTITIES } from '../sms';
import { SnakeNamingStrategy } from './snake-naming.strategy';

/**
 * The reference helpdesk's connection: the SMS module's entities and migrations beside its own, one migrations
 * table for both (a host may as well run the module's apart: see `runSmsMigrations`). The same options serve the
 * app, the TypeORM CLI and the tests.
 */
export function databaseOptions(url: string, poolSize = DEFAULT_DATABASE_POOL_SIZE): DataSourceOptions {
  const src = join(__dirname, '..');
  const ext = __filename.endsWith('.ts') ? 'ts' : 'js';
  return {
    type: 'postgres',
    url,
    entities: [
      ...SMS_ENTITIES,
      join(src, 'helpdesk', '**', `*.entity.${ext}`),
      join(src, 'console', '**', `*.entity.${ext}`),
    ],
    migrations: [
      ...SMS_MIGRATIONS,
      HelpdeskSchema1796000000100,
      ConsoleSchema1796000000200,
      AssigneesAndDeactivation1796100000200,
      ConsoleThreadReads1796200000200,
      CommentsStampedWhenWritten1796300000100,
    ],
    migrationsTableName: 'migrations',
    // The helpdesk's own columns are named by convention; the module's name themselves.
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    migrationsRun: false,
    // Connections this process keeps open at most (`DATABASE_POOL_SIZE`): more than the database's cores buys only
    // contention (docs/performance.md).
    extra: { max: poolSize },
  };
}
