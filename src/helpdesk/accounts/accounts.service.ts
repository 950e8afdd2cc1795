import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { newApiToken } from '../auth/tokens';
import { User } from '../users/user.entity';
import { Account } from './account.entity';
import { CreateAccountDto } from './accounts.dto';

@Injectable()
export class AccountsService {
  constructor(private readonly dataSource: DataSource) {}

  /** A new account with its first admin; the admin's token is returned once. */
  create(input: CreateAccountDto): Promise<{ id: string; adminUserId: string; adminToken: string }> {
    return this.dataSource.transaction(async (tx) => {
      const account = await tx.getRepository(Account).save(
        tx.getRepository(Account).create({
          name: input.name,
          subscribedAt: input.subscribedAt ? new Date(input.subscribedAt) : new Date(),
          defaultCountry: input.defaultCountry?.toUpperCase() ?? 'US',
          timezone: input.timezone ?? 'America/New_York',
        }),
      );
      const { token, hash } = newApiToken();
      const admin = await tx.getRepository(User).save(
        tx.getRepository(User).create({
          accountId: account.id,
          name: input.adminName ?? 'Admin',
          email: input.adminEmail ?? `admin@${account.id}.invalid`,
          role: 'admin',
          tokenHash: hash,
        }),
      );
      return { id: account.id, adminUserId: admin.id, adminToken: token };
    });
  }
}
