import { join } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { SnakeNamingStrategy } from './snake-naming.strategy';

/** Entities and migrations are found by path so the same options serve the app, the CLI and tests. */
export function databaseOptions(url: string): DataSourceOptions {
  const root = join(__dirname, '..', '..');
  const ext = __filename.endsWith('.ts') ? 'ts' : 'js';
  return {
    type: 'postgres',
    url,
    entities: [join(root, 'src', '**', `*.entity.${ext}`)],
    migrations: [join(root, 'migrations', `*.${ext}`)],
    migrationsTableName: 'migrations',
    namingStrategy: new SnakeNamingStrategy(),
    uuidExtension: 'pgcrypto',
    synchronize: false,
    migrationsRun: false,
    extra: { max: 20 },
  };
}
