import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SmsModule } from 'ticket-sms';
import { ApiKeys } from './auth/api-keys';
import { hostConfig } from './config';
import { CoreModule } from './core.module';
import { databaseOptions } from './database/database';
import { HelpdeskGateway } from './sms/helpdesk-gateway';
import { TicketsModule } from './tickets/tickets.module';

@Module({
  imports: [
    // ticket-sms's entities come in through autoLoadEntities (it registers them with forFeature).
    TypeOrmModule.forRootAsync({
      useFactory: () => ({ ...databaseOptions(hostConfig().databaseUrl), autoLoadEntities: true }),
    }),
    BullModule.forRootAsync({
      // BullMQ's workers need maxRetriesPerRequest: null on their Redis connections.
      useFactory: () => ({
        prefix: hostConfig().queuePrefix,
        connection: { url: hostConfig().redisUrl, maxRetriesPerRequest: null },
      }),
    }),
    SmsModule.forRootAsync({
      imports: [CoreModule],
      inject: [HelpdeskGateway, ApiKeys],
      workers: true,
      routes: { sandbox: true },
      useFactory: (gateway: HelpdeskGateway, keys: ApiKeys) => ({
        ticketGateway: gateway,
        publicUrl: hostConfig().publicUrl,
        provider: 'sandbox',
        resolveCaller: (request) => keys.smsCallerOf(request),
        storageDir: hostConfig().storageDir,
      }),
    }),
    TicketsModule,
  ],
})
export class AppModule {}
