import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AccountsService } from './helpdesk/accounts/accounts.service';
import { Account } from './helpdesk/accounts/account.entity';
import { SmsNumbersService } from './sms/numbers/sms-numbers.service';

/**
 * With the sandbox provider and an empty database, creates a demo account with an SMS number so a
 * newcomer can try the API at once. The admin token goes to a file (mode 600), never to the logs.
 */
export async function seedDemoAccount(app: INestApplication, storageDir: string): Promise<string | null> {
  if ((await app.get(DataSource).getRepository(Account).count()) > 0) return null;
  const created = await app.get(AccountsService).create({ name: 'Demo Helpdesk', adminName: 'Demo Admin', adminEmail: 'admin@demo.test' });
  await app.get(SmsNumbersService).add(created.id, { number: '+12025550100', label: 'Demo number' });
  const file = join(dirname(storageDir), 'demo-admin-token');
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${created.adminToken}\n`, { mode: 0o600 });
  return file;
}
