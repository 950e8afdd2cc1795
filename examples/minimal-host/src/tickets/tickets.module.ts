import { Module } from '@nestjs/common';
import { CoreModule } from '../core.module';
import { ApiKeyGuard } from '../auth/api-keys';
import { TicketsController } from './tickets.controller';
import { TicketsService } from './tickets.service';

@Module({
  imports: [CoreModule],
  controllers: [TicketsController],
  providers: [TicketsService, ApiKeyGuard],
})
export class TicketsModule {}
