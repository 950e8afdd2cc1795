import { hostConfig } from './config';
import { migrate } from './database/migrate';

migrate(hostConfig().databaseUrl).then(
  (ran) => process.stdout.write(ran.length ? `migrated: ${ran.join(', ')}\n` : 'nothing to migrate\n'),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
