import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { HelpdeskDataModule } from '../helpdesk/helpdesk-data.module';
import { HelpdeskModule } from '../helpdesk/helpdesk.module';
import { ConsoleAccessController } from './auth/console-access.controller';
import { ConsoleAuthController } from './auth/console-auth.controller';
import { ConsoleAuthService } from './auth/console-auth.service';
import { ConsoleInvite } from './auth/console-invite.entity';
import { ConsolePassword } from './auth/console-password.entity';
import { ConsoleSession } from './auth/console-session.entity';
import { ConsoleSessionGuard } from './auth/console-session.guard';
import { PasswordHashing } from './auth/password-hashing';
import { SignInLimits } from './auth/sign-in-limits';
import { ConsoleAssetsController } from './console-assets.controller';
import { ConsoleCannedRepliesController } from './canned-replies/console-canned-replies.controller';
import { ConsoleComposeController } from './compose/console-compose.controller';
import { ConsoleCreditsController } from './credits/console-credits.controller';
import { ConsoleCreditsService } from './credits/console-credits.service';
import { ConsoleExceptionFilter } from './console-exception.filter';
import { ConsoleInboxController } from './inbox/console-inbox.controller';
import { ConsoleInboxService } from './inbox/console-inbox.service';
import { ConsoleNumbersController } from './numbers/console-numbers.controller';
import { ConsoleProfileController } from './profile/console-profile.controller';
import { ConsoleSettingsController } from './settings/console-settings.controller';
import { ConsoleUsersController } from './users/console-users.controller';
import { ConsoleUsersService } from './users/console-users.service';
import { ConsoleViews } from './console-views';
import { CreditOutlook } from './credit-outlook';
import { ConsoleTemplatesController } from './templates/console-templates.controller';
import { ConsoleTicketListController } from './tickets/console-ticket-list.controller';
import { ConsoleTicketListService } from './tickets/console-ticket-list.service';
import { ConsoleTicketsController } from './tickets/console-tickets.controller';
import { ConsoleTicketsService } from './tickets/console-tickets.service';
import { ConsoleTriageController } from './triage/console-triage.controller';

/**
 * The web console under /console: server-rendered pages for admins and technicians, signed in with email and
 * password. It calls the same services as the REST API; API bearer tokens are not accepted here, nor sessions there.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([ConsoleSession, ConsolePassword, ConsoleInvite]),
    HelpdeskDataModule,
    HelpdeskModule,
  ],
  controllers: [
    ConsoleAccessController,
    ConsoleAssetsController,
    ConsoleAuthController,
    ConsoleTicketListController,
    ConsoleTicketsController,
    ConsoleTemplatesController,
    ConsoleCreditsController,
    ConsoleInboxController,
    ConsoleComposeController,
    ConsoleCannedRepliesController,
    ConsoleSettingsController,
    ConsoleUsersController,
    ConsoleNumbersController,
    ConsoleTriageController,
    ConsoleProfileController,
  ],
  providers: [
    ConsoleViews,
    ConsoleAuthService,
    PasswordHashing,
    SignInLimits,
    ConsoleSessionGuard,
    ConsoleExceptionFilter,
    ConsoleTicketsService,
    ConsoleTicketListService,
    ConsoleCreditsService,
    ConsoleInboxService,
    CreditOutlook,
    ConsoleUsersService,
  ],
  exports: [ConsoleAuthService],
})
export class ConsoleModule {}
