import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { configureSmsHttp, SMS_ENTITIES, SMS_WEBHOOK_ROUTES, SmsModule } from 'ticket-sms';
import { runSmsMigrations } from 'ticket-sms/migrations';
import { DeskGateway, DeskModule, DESK_ENTITIES } from './desk'; // your tables, your TicketGateway

const db = { type: 'postgres' as const, url: process.env.DATABASE_URL };

@Module({
  imports: [
    TypeOrmModule.forRoot({ ...db, entities: [...DESK_ENTITIES, ...SMS_ENTITIES] }),
    BullModule.forRoot({
      prefix: '{desk-sms}',
      connection: { url: process.env.REDIS_URL, maxRetriesPerRequest: null },
    }),
    DeskModule,
    SmsModule.forRootAsync({
      imports: [DeskModule],
      inject: [DeskGateway],
      useFactory: (gateway: DeskGateway) => ({
        ticketGateway: gateway,
        publicUrl: 'https://desk.example.com',
        provider: 'twilio',
        twilio: { accountSid: process.env.TWILIO_ACCOUNT_SID ?? '', authToken: process.env.TWILIO_AUTH_TOKEN ?? '' },
        // Your auth guard put the agent on the request; the module needs an account, a user and a role.
        resolveCaller: (request) => {
          const agent = (request as { agent?: { accountId: number; id: number; owner: boolean } }).agent;
          return agent
            ? {
                accountId: String(agent.accountId),
                userId: String(agent.id),
                role: agent.owner ? 'admin' : 'technician',
              }
            : null;
        },
      }),
      workers: true, // false in processes that only serve HTTP
      routes: { sandbox: false, reports: true },
    }),
  ],
})
export class AppModule {}

export async function main(): Promise<void> {
  await runSmsMigrations(db); // the module's tables only, recorded in sms_migrations
  const app = await NestFactory.create(AppModule, { bodyParser: false });
  configureSmsHttp(app); // Twilio's signed forms and Flowroute's JSON:API, with size caps
  app.setGlobalPrefix('api', { exclude: SMS_WEBHOOK_ROUTES });
  await app.listen(3000);
}
