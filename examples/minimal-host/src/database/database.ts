import type { DataSourceOptions } from 'typeorm';
import { Account } from '../accounts/account.entity';
import { Agent } from '../accounts/agent.entity';
import { Customer } from '../customers/customer.entity';
import { Attachment } from '../tickets/attachment.entity';
import { Comment } from '../tickets/comment.entity';
import { Ticket } from '../tickets/ticket.entity';
import { HelpdeskTables1733500000000 } from './migrations/1733500000000-HelpdeskTables';

export const HELPDESK_ENTITIES = [Account, Agent, Customer, Ticket, Comment, Attachment];

/** Our connection; the SMS module's entities join it through `autoLoadEntities`, its migrations run apart. */
export function databaseOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: HELPDESK_ENTITIES,
    migrations: [HelpdeskTables1733500000000],
    synchronize: false,
  };
}
