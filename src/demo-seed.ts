import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ConsoleAuthService } from './console/auth/console-auth.service';
import { AccountsService } from './helpdesk/accounts/accounts.service';
import { Account } from './helpdesk/accounts/account.entity';
import { PlatformNumbers, SmsNumbersService } from './sms';

/** Where the demo account's secrets went: files, never the logs. */
export interface DemoAccountFiles {
  /** The admin's API bearer token. */
  adminToken: string;
  /** A one-time link (7 days) with which the admin chooses a web console password. */
  consoleInvite: string;
}

/**
 * With the sandbox provider and an empty database, creates a demo account with an SMS number so a
 * newcomer can try the API and the web console at once. The admin token and a console invite link go
 * to files (mode 600) beside `STORAGE_DIR`, never to the logs.
 */
export async function seedDemoAccount(
  app: INestApplication,
  storageDir: string,
  publicUrl: string,
): Promise<DemoAccountFiles | null> {
  if ((await app.get(DataSource).getRepository(Account).count()) > 0) return null;
  const created = await app
    .get(AccountsService)
    .create({ name: 'Demo Helpdesk', adminName: 'Demo Admin', adminEmail: 'admin@demo.test' });
  // The platform assigns the demo number (the sandbox has every number), then the account adds it.
  await app.get(PlatformNumbers).assign(created.id, '+12025550100');
  await app
    .get(SmsNumbersService)
    .addAssigned(created.id, { number: '+12025550100', label: 'Demo number' }, { kind: 'shared' }, null);
  const invite = await app.get(ConsoleAuthService).createInvite(created.id, created.adminUserId, created.adminUserId);
  const dir = dirname(storageDir);
  const files: DemoAccountFiles = {
    adminToken: join(dir, 'demo-admin-token'),
    consoleInvite: join(dir, 'demo-console-invite'),
  };
  await mkdir(dir, { recursive: true });
  await writeFile(files.adminToken, `${created.adminToken}\n`, { mode: 0o600 });
  await writeFile(files.consoleInvite, `${publicUrl}/console/invite/${invite.token}\n`, { mode: 0o600 });
  return files;
}
