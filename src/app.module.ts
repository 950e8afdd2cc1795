import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { Environment } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { ConsoleModule } from './console/console.module';
import { databaseOptions } from './database/database-options';
import { HealthModule } from './health/health.module';
import { HelpdeskDataModule } from './helpdesk/helpdesk-data.module';
import { InvoiceBilling } from './helpdesk/billing/invoice-billing';
import { HelpdeskTicketGateway } from './helpdesk/helpdesk-ticket.gateway';
import { HelpdeskModule } from './helpdesk/helpdesk.module';
import { loggerParams } from './logging';
import { OperationsModule } from './operations/operations.module';
import { SmsModule } from './sms';

/** The whole service for one process role: `api` serves HTTP and enqueues; `worker` runs jobs; `all` both. */
@Module({})
export class AppModule {
  static register(env: Environment): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(env),
        LoggerModule.forRoot(loggerParams(env.LOG_LEVEL)),
        TypeOrmModule.forRoot(databaseOptions(env.DATABASE_URL, env.DATABASE_POOL_SIZE)),
        // Workers block on Redis; maxRetriesPerRequest null is what BullMQ requires of their connections.
        BullModule.forRoot({
          prefix: env.QUEUE_PREFIX,
          connection: { url: env.REDIS_URL, maxRetriesPerRequest: null },
        }),
        HelpdeskDataModule,
        SmsModule.forRootAsync({
          imports: [HelpdeskDataModule],
          inject: [HelpdeskTicketGateway, InvoiceBilling],
          workers: env.ROLE !== 'api',
          routes: { sandbox: env.SMS_PROVIDER === 'sandbox' },
          useFactory: (gateway: HelpdeskTicketGateway, billing: InvoiceBilling) => ({
            ticketGateway: gateway,
            // Credit purchases are invoiced, and only the platform can mark an invoice paid: none without its token.
            creditPurchases: billing.available ? billing : undefined,
            publicUrl: env.PUBLIC_URL,
            provider: env.SMS_PROVIDER,
            twilio:
              env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN
                ? {
                    accountSid: env.TWILIO_ACCOUNT_SID,
                    authToken: env.TWILIO_AUTH_TOKEN,
                    apiUrl: env.TWILIO_API_URL,
                    timeoutMs: env.TWILIO_TIMEOUT_MS,
                  }
                : undefined,
            secretsKey: env.SECRETS_KEY,
            previousSecretsKeys: env.SECRETS_KEY_PREVIOUS?.split(',').map((key) => key.trim()),
            flowroute: {
              apiUrl: env.FLOWROUTE_API_URL,
              timeoutMs: env.FLOWROUTE_TIMEOUT_MS,
              mediaHosts: env.FLOWROUTE_MEDIA_HOSTS.split(',').map((h) => h.trim()),
            },
            outboxSweepMs: env.OUTBOX_SWEEP_MS,
            sendRetryBaseMs: env.SEND_RETRY_BASE_MS,
            workerConcurrency: env.WORKER_CONCURRENCY,
            storageDir: env.STORAGE_DIR,
            mediaMaxBytes: env.MEDIA_MAX_BYTES,
            providerLookupsPerHour: env.PROVIDER_LOOKUPS_PER_HOUR,
            providerCallsInFlight: env.PROVIDER_CALLS_IN_FLIGHT,
            mediaPrivateAddressHosts: env.MEDIA_PRIVATE_ADDRESS_HOSTS?.split(',').map((h) => h.trim()),
          }),
        }),
        HelpdeskModule,
        ConsoleModule,
        HealthModule,
        OperationsModule,
      ],
    };
  }
}
