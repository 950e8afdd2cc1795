import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Agent } from './accounts/agent.entity';
import { ApiKeys } from './auth/api-keys';
import { HelpdeskGateway } from './sms/helpdesk-gateway';

/** What our routes and ticket-sms both need from us: who an API key belongs to, and the gateway to our tickets. */
@Module({
  imports: [TypeOrmModule.forFeature([Agent])],
  providers: [ApiKeys, HelpdeskGateway],
  exports: [ApiKeys, HelpdeskGateway],
})
export class CoreModule {}
