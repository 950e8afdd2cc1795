import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module, Provider } from '@nestjs/common';
import { getRepositoryToken, TypeOrmModule } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Clock } from './clock/clock';
import { MessageQueue } from './messages/message-queue.service';
import { OutboundService } from './messages/outbound.service';
import { MaintenanceProcessor, OutboxSweep } from './messages/outbox-sweeper';
import { SendMessageProcessor } from './messages/send-message.processor';
import { SendPipeline } from './messages/send-pipeline.service';
import { SmsMessage } from './messages/sms-message.entity';
import { SmsMessagesController } from './messages/sms-messages.controller';
import { SmsMessagesService } from './messages/sms-messages.service';
import { SmsNumber } from './numbers/sms-number.entity';
import { SmsNumbersController } from './numbers/sms-numbers.controller';
import { SmsNumbersService } from './numbers/sms-numbers.service';
import { TICKET_GATEWAY } from './ports/ticket-gateway.port';
import { SandboxProvider } from './providers/sandbox.provider';
import { SMS_PROVIDER } from './providers/sms-provider';
import { TwilioProvider } from './providers/twilio.provider';
import { SmsQueue } from './queues/queues';
import { SandboxMessage } from './sandbox/sandbox-message.entity';
import { SandboxController } from './sandbox/sandbox.controller';
import { SmsSettings } from './settings/sms-settings.entity';
import { SmsSettingsController } from './settings/sms-settings.controller';
import { SmsSettingsService } from './settings/sms-settings.service';
import { ConfigurableModuleClass, SMS_MODULE_OPTIONS, SmsModuleOptions } from './sms.options';
import { SmsTemplate } from './templates/sms-template.entity';
import { SmsTemplatesController } from './templates/sms-templates.controller';
import { SmsTemplatesService } from './templates/sms-templates.service';
import { StatusCallbacks } from './webhooks/status-callbacks.service';
import { TwilioSignatureGuard } from './webhooks/twilio-signature.guard';
import { TwilioWebhooksController } from './webhooks/twilio-webhooks.controller';

export const SMS_ENTITIES = [SmsMessage, SmsNumber, SmsSettings, SmsTemplate, SandboxMessage];

const providerFactory: Provider = {
  provide: SMS_PROVIDER,
  inject: [SMS_MODULE_OPTIONS, getRepositoryToken(SandboxMessage)],
  useFactory: (options: SmsModuleOptions, sandboxMessages: Repository<SandboxMessage>) => {
    switch (options.provider) {
      case 'sandbox':
        return new SandboxProvider(sandboxMessages);
      case 'twilio':
        if (!options.twilio) throw new Error('The twilio provider needs Twilio credentials');
        return new TwilioProvider(options.twilio);
      default:
        throw new Error(`SMS provider ${options.provider} is not available as the platform provider`);
    }
  },
};

/**
 * SMS and MMS for helpdesk tickets. Import with `SmsModule.forRootAsync({ useFactory, inject, workers })`;
 * `workers: false` serves HTTP and enqueues only (the `api` role).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature(SMS_ENTITIES),
    BullModule.registerQueue({ name: SmsQueue.Outbound }, { name: SmsQueue.Maintenance }),
  ],
  controllers: [
    SmsMessagesController,
    SmsNumbersController,
    SmsSettingsController,
    SmsTemplatesController,
    SandboxController,
    TwilioWebhooksController,
  ],
  providers: [
    { provide: TICKET_GATEWAY, inject: [SMS_MODULE_OPTIONS], useFactory: (options: SmsModuleOptions) => options.ticketGateway },
    providerFactory,
    Clock,
    MessageQueue,
    OutboundService,
    OutboxSweep,
    SendPipeline,
    SmsMessagesService,
    SmsNumbersService,
    SmsSettingsService,
    SmsTemplatesService,
    StatusCallbacks,
    TwilioSignatureGuard,
  ],
  exports: [OutboundService, SmsNumbersService, SmsSettingsService, SmsTemplatesService, Clock],
})
export class SmsModule extends ConfigurableModuleClass {
  static override forRootAsync(options: Parameters<typeof ConfigurableModuleClass.forRootAsync>[0]): DynamicModule {
    const base = super.forRootAsync(options);
    const workers = options.workers ?? true;
    return { ...base, providers: [...(base.providers ?? []), ...(workers ? [SendMessageProcessor, MaintenanceProcessor] : [])] };
  }
}
