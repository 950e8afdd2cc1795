import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module, Provider } from '@nestjs/common';
import { getRepositoryToken, TypeOrmModule } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AfterHoursContact } from './after-hours/after-hours-contact.entity';
import { AfterHoursEditor } from './after-hours/after-hours-editor.entity';
import { AfterHoursReply } from './after-hours/after-hours-reply.entity';
import { AfterHoursSettingsService } from './after-hours/after-hours-settings.service';
import { AfterHoursController } from './after-hours/after-hours.controller';
import { AfterHoursService } from './after-hours/after-hours.service';
import { Clock } from './clock/clock';
import { CreditBalance } from './credits/credit-balance.entity';
import { CreditEntry } from './credits/credit-entry.entity';
import { CreditGate } from './credits/credit-gate.service';
import { CreditLedger } from './credits/credit-ledger.service';
import { CreditsController } from './credits/credits.controller';
import { CreditsService } from './credits/credits.service';
import { HeldMessages } from './credits/held-messages.service';
import { ConversationsService } from './conversations/conversations.service';
import { SmsConversation } from './conversations/sms-conversation.entity';
import { InboundMessagesController } from './inbound/inbound-messages.controller';
import { InboundProcessing } from './inbound/inbound-processing.service';
import { InboundQueue } from './inbound/inbound-queue.service';
import { InboundReceiver } from './inbound/inbound-receiver.service';
import { InboundRepliesService } from './inbound/inbound-replies.service';
import { InboundMediaProcessor, InboundProcessor } from './inbound/inbound.processor';
import { SandboxInboundController } from './inbound/sandbox-inbound.controller';
import { SandboxInbound } from './inbound/sandbox-inbound.service';
import { TwilioInboundController } from './inbound/twilio-inbound.controller';
import { UnroutableMessage } from './inbound/unroutable-message.entity';
import { InboundMediaService } from './media/inbound-media.service';
import { MediaStorage } from './media/media-storage';
import { SmsMedia } from './media/sms-media.entity';
import { OptOutsService } from './opt-outs/opt-outs.service';
import { SmsOptOut } from './opt-outs/sms-opt-out.entity';
import { MessageQueue } from './messages/message-queue.service';
import { OutboundService } from './messages/outbound.service';
import { MaintenanceProcessor, OutboxSweep } from './messages/outbox-sweeper';
import { SendMessageProcessor } from './messages/send-message.processor';
import { SendPipeline } from './messages/send-pipeline.service';
import { SmsMessage } from './messages/sms-message.entity';
import { SmsMessagesController } from './messages/sms-messages.controller';
import { SmsMessagesService } from './messages/sms-messages.service';
import { SmsNumber } from './numbers/sms-number.entity';
import { NumberImport } from './numbers/number-import.entity';
import { NumberImports } from './numbers/number-imports.service';
import { NumberVerification } from './numbers/number-verification.service';
import { SendingIdentity } from './numbers/sending-identity.service';
import { ConversationClaim } from './conversations/conversation-claim.entity';
import { ConversationClaims } from './conversations/conversation-claims.service';
import { ConversationQueries } from './conversations/conversation-queries.service';
import { ConversationReplies } from './conversations/conversation-replies.service';
import { ConversationWait } from './conversations/conversation-wait.entity';
import { ConversationsController } from './conversations/conversations.controller';
import { SmsEventsController } from './conversations/sms-events.controller';
import { SmsEvents } from './conversations/sms-events.service';
import { AgentAvailability } from './availability/agent-availability.entity';
import { AvailabilityController } from './availability/availability.controller';
import { AvailabilityService } from './availability/availability.service';
import { ReportsController } from './reports/reports.controller';
import { SessionReports } from './reports/session-report.service';
import { SmsNumbersController } from './numbers/sms-numbers.controller';
import { SmsNumbersService } from './numbers/sms-numbers.service';
import { TICKET_GATEWAY } from './ports/ticket-gateway.port';
import { SandboxProvider } from './providers/sandbox.provider';
import { FlowrouteSettingsController } from './providers/flowroute-settings.controller';
import { FlowrouteSettings } from './providers/flowroute-settings.service';
import { ProviderRateLimiter } from './providers/provider-rate-limiter';
import { ProviderResolver } from './providers/provider-resolver';
import { SMS_PROVIDER } from './providers/sms-provider';
import { TwilioProvider } from './providers/twilio.provider';
import { INBOUND_FLOW, SmsQueue } from './queues/queues';
import { SandboxMessage } from './sandbox/sandbox-message.entity';
import { SandboxController } from './sandbox/sandbox.controller';
import { BusinessHoursService } from './schedule/business-hours.service';
import { SendSchedule } from './schedule/send-schedule.service';
import { SmsSettings } from './settings/sms-settings.entity';
import { SmsSettingsController } from './settings/sms-settings.controller';
import { SmsSettingsService } from './settings/sms-settings.service';
import { ConfigurableModuleClass, SMS_MODULE_OPTIONS, SmsModuleOptions } from './sms.options';
import { SmsTemplate } from './templates/sms-template.entity';
import { SmsTemplatesController } from './templates/sms-templates.controller';
import { SmsTemplatesService } from './templates/sms-templates.service';
import { SecretBox } from './secrets/secret-box';
import { SecretsRotation } from './secrets/secrets-rotation.service';
import { FlowrouteCallbacks } from './webhooks/flowroute-callbacks.service';
import { FlowrouteTokenGuard } from './webhooks/flowroute-token.guard';
import { FlowrouteWebhooksController } from './webhooks/flowroute-webhooks.controller';
import { StatusCallbacks } from './webhooks/status-callbacks.service';
import { TwilioSignatureGuard } from './webhooks/twilio-signature.guard';
import { TwilioWebhooksController } from './webhooks/twilio-webhooks.controller';
import { SmsMetrics } from './metrics/sms-metrics.service';
import { QueuePrefixCheck } from './queues/queue-prefix';
import { WebhookTiming } from './metrics/webhook-timing';

export const SMS_ENTITIES = [SmsMessage, SmsNumber, SmsSettings, SmsTemplate, SandboxMessage, SmsConversation, SmsMedia, SmsOptOut, UnroutableMessage, AfterHoursReply, AfterHoursEditor, AfterHoursContact, CreditBalance, CreditEntry,
  ConversationClaim, ConversationWait, AgentAvailability, NumberImport];

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
    BullModule.registerQueue({ name: SmsQueue.Outbound }, { name: SmsQueue.Maintenance }, { name: SmsQueue.Inbound }, { name: SmsQueue.InboundMedia }),
    BullModule.registerFlowProducer({ name: INBOUND_FLOW }),
  ],
  controllers: [
    AfterHoursController,
    CreditsController,
    SmsMessagesController,
    SmsNumbersController,
    SmsSettingsController,
    SmsTemplatesController,
    SandboxController,
    TwilioWebhooksController,
    TwilioInboundController,
    FlowrouteWebhooksController,
    FlowrouteSettingsController,
    InboundMessagesController,
    SandboxInboundController,
    ConversationsController,
    SmsEventsController,
    AvailabilityController,
    ReportsController,
  ],
  providers: [
    { provide: TICKET_GATEWAY, inject: [SMS_MODULE_OPTIONS], useFactory: (options: SmsModuleOptions) => options.ticketGateway },
    providerFactory,
    AfterHoursService,
    AfterHoursSettingsService,
    BusinessHoursService,
    Clock,
    CreditGate,
    CreditLedger,
    CreditsService,
    HeldMessages,
    ConversationsService,
    InboundMediaService,
    InboundProcessing,
    InboundQueue,
    InboundReceiver,
    InboundRepliesService,
    MediaStorage,
    OptOutsService,
    SandboxInbound,
    MessageQueue,
    OutboundService,
    OutboxSweep,
    SecretsRotation,
    SendPipeline,
    SendSchedule,
    SmsMessagesService,
    SmsNumbersService,
    SmsSettingsService,
    SmsTemplatesService,
    StatusCallbacks,
    TwilioSignatureGuard,
    { provide: SecretBox, inject: [SMS_MODULE_OPTIONS], useFactory: (options: SmsModuleOptions) => SecretBox.fromConfig(options.secretsKey, options.previousSecretsKeys) },
    FlowrouteSettings,
    FlowrouteCallbacks,
    FlowrouteTokenGuard,
    ProviderResolver,
    ProviderRateLimiter,
    NumberVerification,
    NumberImports,
    SendingIdentity,
    SmsEvents,
    ConversationClaims,
    ConversationQueries,
    ConversationReplies,
    AvailabilityService,
    SessionReports,
    SmsMetrics,
    WebhookTiming,
    QueuePrefixCheck,
  ],
  exports: [OutboundService, MediaStorage, InboundReceiver, SmsNumbersService, SmsSettingsService, SmsTemplatesService, Clock, AfterHoursService,
    // The host's web console calls the same services as the REST API.
    CreditsService, SmsMessagesService, BusinessHoursService, SendSchedule, AfterHoursSettingsService,
    ConversationQueries, ConversationReplies, ConversationClaims, SmsEvents, NumberImports,
    // The host serves the module's metrics (or merges the registry into its own).
    SmsMetrics],
})
export class SmsModule extends ConfigurableModuleClass {
  static override forRootAsync(options: Parameters<typeof ConfigurableModuleClass.forRootAsync>[0]): DynamicModule {
    const base = super.forRootAsync(options);
    const workers = options.workers ?? true;
    return { ...base, providers: [...(base.providers ?? []), ...(workers ? [SendMessageProcessor, MaintenanceProcessor, InboundProcessor, InboundMediaProcessor] : [])] };
  }
}
