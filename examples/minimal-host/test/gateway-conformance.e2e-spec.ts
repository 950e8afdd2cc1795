import { ticketGatewayConformance } from 'ticket-sms/testing';
import type { GatewayConformanceFixture } from 'ticket-sms/testing';
import { DataSource, In } from 'typeorm';
import { Account } from '../src/accounts/account.entity';
import { Agent } from '../src/accounts/agent.entity';
import { hashApiKey } from '../src/auth/api-keys';
import { databaseOptions } from '../src/database/database';
import { HelpdeskGateway } from '../src/sms/helpdesk-gateway';
import { Attachment } from '../src/tickets/attachment.entity';
import { Comment } from '../src/tickets/comment.entity';
import { testDatabase } from './support/test-database';

describe('our TicketGateway, checked by ticket-sms', () => {
  let database: Awaited<ReturnType<typeof testDatabase>>;
  let dataSource: DataSource;
  let fixture: GatewayConformanceFixture;

  beforeAll(async () => {
    database = await testDatabase('conformance');
    dataSource = await new DataSource(databaseOptions(database.url)).initialize();
    const [acme, other] = await dataSource.manager.save(Account, [
      { name: 'Acme Repairs', country: 'US', timezone: 'America/New_York' },
      { name: 'Other Desk', country: 'GB', timezone: 'Europe/London' },
    ]);
    const agent = await dataSource.manager.save(Agent, {
      accountId: acme.id,
      name: 'Adam Agent',
      email: 'adam@acme.test',
      apiKeyHash: hashApiKey('adam'),
      role: 'agent',
    });
    fixture = {
      gateway: new HelpdeskGateway(dataSource),
      transaction: (work) => dataSource.transaction(work),
      accounts: [String(acme.id), String(other.id)],
      user: { id: String(agent.id), email: agent.email },
      customerReplyStatus: 'customer_replied',
      listComments: async (accountId, ticketId) => {
        const comments = await dataSource.manager.find(Comment, {
          where: { accountId: Number(accountId), ticketId: Number(ticketId) },
          order: { id: 'ASC' },
        });
        const files = await dataSource.manager.findBy(Attachment, { commentId: In(comments.map((c) => c.id)) });
        return comments.map((c) => ({
          id: String(c.id),
          body: c.body,
          public: c.isPublic,
          attachments: files
            .filter((a) => a.commentId === c.id)
            .map((a) => ({ storageKey: a.storageKey, public: a.isPublic })),
        }));
      },
    };
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  for (const check of ticketGatewayConformance(() => fixture)) it(check.name, check.run);
});
