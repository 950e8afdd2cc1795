import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Account } from './accounts/account.entity';
import { Customer } from './customers/customer.entity';
import { CustomerPhone } from './customers/customer-phone.entity';
import { InvoiceBilling } from './billing/invoice-billing';
import { HelpdeskTicketGateway } from './helpdesk-ticket.gateway';
import { Team } from './teams/team.entity';
import { TeamMember } from './teams/team-member.entity';
import { Attachment } from './tickets/attachment.entity';
import { Comment } from './tickets/comment.entity';
import { Ticket } from './tickets/ticket.entity';
import { User } from './users/user.entity';

export const HELPDESK_ENTITIES = [
  Account,
  User,
  Team,
  TeamMember,
  Customer,
  CustomerPhone,
  Ticket,
  Comment,
  Attachment,
];

/** The helpdesk's tables, its TicketGateway and its billing; the SMS module is given both ports from here. */
@Module({
  imports: [TypeOrmModule.forFeature(HELPDESK_ENTITIES)],
  providers: [HelpdeskTicketGateway, InvoiceBilling],
  exports: [TypeOrmModule, HelpdeskTicketGateway, InvoiceBilling],
})
export class HelpdeskDataModule {}
