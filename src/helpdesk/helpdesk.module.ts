import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccountsService } from './accounts/accounts.service';
import { PlatformController } from './accounts/platform.controller';
import { AttachmentFiles } from './attachments/attachment-files';
import { AttachmentsController } from './attachments/attachments.controller';
import { BearerAuthGuard } from './auth/bearer-auth.guard';
import { PlatformTokenGuard } from './auth/platform-token.guard';
import { CustomersController } from './customers/customers.controller';
import { CustomersService } from './customers/customers.service';
import { HelpdeskDataModule } from './helpdesk-data.module';
import { PortalController, ShortPortalController } from './portal/portal.controller';
import { PortalService } from './portal/portal.service';
import { TeamsController } from './teams/teams.controller';
import { TeamsService } from './teams/teams.service';
import { TicketsController } from './tickets/tickets.controller';
import { TicketsService } from './tickets/tickets.service';
import { UsersController } from './users/users.controller';
import { UsersService } from './users/users.service';

/** The reference helpdesk: accounts, users, teams, customers, tickets, comments, attachments. */
@Module({
  imports: [HelpdeskDataModule],
  controllers: [
    PlatformController,
    UsersController,
    TeamsController,
    CustomersController,
    TicketsController,
    AttachmentsController,
    PortalController,
    ShortPortalController,
  ],
  providers: [
    { provide: APP_GUARD, useClass: BearerAuthGuard },
    PlatformTokenGuard,
    AccountsService,
    UsersService,
    TeamsService,
    CustomersService,
    TicketsService,
    AttachmentFiles,
    PortalService,
  ],
  // The console (src/console) serves the same tickets, users and files to signed-in browsers.
  exports: [TicketsService, UsersService, TeamsService, CustomersService, AttachmentFiles],
})
export class HelpdeskModule {}
