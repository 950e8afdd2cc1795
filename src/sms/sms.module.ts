import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module, Provider, Type } from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import { getRepositoryToken, TypeOrmModule } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { SMS_ENTITIES } from './entities';
import { SandboxMessage } from './sandbox/sandbox-message.entity';
import { AfterHoursSettingsService } from './after-hours/after-hours-settings.service';
import { AfterHoursController } from './after-hours/after-hours.controller';
import { AfterHoursService } from './after-hours/after-hours.service';
import { Clock } from './clock/clock';
import { CreditGate } from './credits/credit-gate.service';
import { CreditGrants } from './credits/credit-grants.service';
import { CreditLedger } from './credits/credit-ledger.service';
import { CreditPurchasesController, CreditsController } from './credits/credits.controller';
import { CreditsService } from './credits/credits.service';
import { HeldMessages } from './credits/held-messages.service';
import { ConversationsService } from './conversations/conversations.service';
import { InboundMessagesController } from './inbound/inbound-messages.controller';
import { InboundKeywords } from './inbound/inbound-keywords.service';
import { InboundLanding } from './inbound/inbound-landing.service';
import { InboundRouting } from './inbound/inbound-routing.service';
import { InboundQueries } from './inbound/inbound.queries';
import { InboundQueue } from './inbound/inbound-queue.service';
import { InboundReceiver } from './inbound/inbound-receiver.service';
import { InboundTriage } from './inbound/inbound-triage.service';
import { InboundProcessor } from './inbound/inbound.processor';
import { InboundMediaProcessor } from './media/inbound-media.processor';
import { SandboxInboundController } from './inbound/sandbox-inbound.controller';
import { SandboxInbound } from './inbound/sandbox-inbound.service';
import { TwilioInboundController } from './providers/twilio/twilio-inbound.controller';
import { InboundMediaService } from './media/inbound-media.service';
import { MediaStorage } from './media/media-storage';
import { OptOutsService } from './opt-outs/opt-outs.service';
import { OutboundQueue } from './messages/outbound-queue.service';
import { OutboundService } from './messages/outbound.service';
import { OutboundWriter } from './messages/outbound-writer.service';
import { MaintenanceProcessor } from './messages/maintenance.processor';
import { OutboxSweep } from './messages/outbox-sweeper';
import { ConversationTimers } from './conversations/conversation-timers';
import { ConversationTimersProcessor } from './conversations/conversation-timers.processor';
import { SendMessageProcessor } from './messages/send-message.processor';
import { SendEndings } from './messages/send-endings.service';
import { SendPipeline } from './messages/send-pipeline.service';
import { SmsMessagesController, TicketTextsController } from './messages/sms-messages.controller';
import { SmsMessagesService } from './messages/sms-messages.service';
import { NumberImports } from './numbers/number-imports.service';
import { NumberVerification } from './numbers/number-verification.service';
import { PlatformNumbers } from './numbers/platform-numbers.service';
import { SendingIdentity } from './numbers/sending-identity.service';
import { ConversationClaims } from './conversations/conversation-claims.service';
import { ConversationQueries } from './conversations/conversation-queries.service';
import { ConversationReplies } from './conversations/conversation-replies.service';
import { ConversationsController } from './conversations/conversations.controller';
import { ThreadClaims } from './conversations/thread-claims.service';
import { ComposeService } from './conversations/compose.service';
import { CannedRepliesController, SignOffController } from './canned-replies/canned-replies.controller';
import { CannedReplies } from './canned-replies/canned-replies.service';
import { ReplyDrafts } from './canned-replies/reply-drafts.service';
import { LiveReplies } from './schedule/live-replies.service';
import { SmsEventsController } from './conversations/sms-events.controller';
import { SmsEvents } from './conversations/sms-events.service';
import { AvailabilityController } from './availability/availability.controller';
import { AvailabilityService } from './availability/availability.service';
import { ReportsController } from './reports/reports.controller';
import { SessionReports } from './reports/session-report.service';
import { SmsNumbersController } from './numbers/sms-numbers.controller';
import { SmsNumbersService } from './numbers/sms-numbers.service';
import { TICKET_GATEWAY } from './ports/ticket-gateway.port';
import { SandboxProvider } from './providers/sandbox.provider';
import { FlowrouteSettingsController } from './providers/flowroute/flowroute-settings.controller';
import { FlowrouteSettings } from './providers/flowroute/flowroute-settings.service';
import { ProviderRateLimiter } from './providers/provider-rate-limiter';
import { ProviderResolver } from './providers/provider-resolver';
import { RateLimits } from './rate-limits/rate-limits';
import { SMS_PROVIDER } from './providers/sms-provider';
import { TwilioProvider } from './providers/twilio/twilio.provider';
import { INBOUND_FLOW, SmsQueue } from './queues/queues';
import { SandboxController } from './sandbox/sandbox.controller';
import { BusinessHoursService } from './schedule/business-hours.service';
import { SendSchedule } from './schedule/send-schedule.service';
import { SmsSettingsController } from './settings/sms-settings.controller';
import { SmsSettingsService } from './settings/sms-settings.service';
import {
  ConfigurableModuleClass,
  resolveSmsOptions,
  ResolvedSmsOptions,
  SMS_ASYNC_OPTIONS_TYPE,
  SMS_HOST_OPTIONS,
  SMS_MODULE_OPTIONS,
  SMS_OPTIONS_TYPE,
  SMS_ROUTE_OPTIONS,
  SmsModuleExtras,
  SmsModuleOptions,
  SmsRouteOptions,
} from './sms.options';
import { SmsTemplatesController } from './templates/sms-templates.controller';
import { SmsTemplatesService } from './templates/sms-templates.service';
import { SecretBox } from './secrets/secret-box';
import { SecretsRotation } from './secrets/secrets-rotation.service';
import { FlowrouteCallbacks } from './providers/flowroute/flowroute-callbacks.service';
import { FlowrouteTokenGuard } from './providers/flowroute/flowroute-token.guard';
import { FlowrouteWebhooksController } from './providers/flowroute/flowroute-webhooks.controller';
import { StatusCallbacks } from './webhooks/status-callbacks.service';
import { TwilioSignatureGuard } from './providers/twilio/twilio-signature.guard';
import { TwilioWebhooksController } from './providers/twilio/twilio-webhooks.controller';
import { AdminOnlyGuard, SmsCallerGuard } from './auth/caller';
import { TicketTexts } from './messages/ticket-texts.service';
import { SmsMetrics } from './metrics/sms-metrics.service';
import { QueuePrefixCheck } from './queues/queue-prefix';
import { WebhookTiming } from './metrics/webhook-timing';

const platformProvider: Provider = {
  provide: SMS_PROVIDER,
  inject: [SMS_MODULE_OPTIONS, getRepositoryToken(SandboxMessage)],
  useFactory: (options: ResolvedSmsOptions, sandboxMessages: Repository<SandboxMessage>) =>
    // resolveSmsOptions has checked that twilio comes with its credentials.
    options.provider === 'twilio'
      ? new TwilioProvider(options.twilio!, options.webhookBaseUrl)
      : new SandboxProvider(sandboxMessages),
};

const WORKERS = [
  SendMessageProcessor,
  MaintenanceProcessor,
  InboundProcessor,
  InboundMediaProcessor,
  ConversationTimersProcessor,
];

/**
 * The routes a host gets, by group (SmsRouteOptions); webhooks are always there, as providers need them. What only the
 * resolved options can tell (forRootAsync) is decided per request: the credit routes answer 404 with metering off,
 * the sandbox routes without the sandbox provider.
 */
function controllersFor(routes: SmsRouteOptions, known: { metered?: boolean; provider?: string }): Type[] {
  const on = (group: boolean | undefined) => group ?? true;
  const sandbox = routes.sandbox ?? (known.provider === undefined || known.provider === 'sandbox');
  return [
    TwilioWebhooksController,
    TwilioInboundController,
    FlowrouteWebhooksController,
    FlowrouteSettingsController,
    SmsMessagesController,
    SmsNumbersController,
    SmsSettingsController,
    SmsTemplatesController,
    AfterHoursController,
    InboundMessagesController,
    ConversationsController,
    CannedRepliesController,
    SignOffController,
    SmsEventsController,
    AvailabilityController,
    ...(known.metered === false ? [] : [CreditsController]),
    ...(known.metered !== false && on(routes.creditPurchases) ? [CreditPurchasesController] : []),
    ...(on(routes.reports) ? [ReportsController] : []),
    ...(on(routes.ticketTexts) ? [TicketTextsController] : []),
    ...(sandbox ? [SandboxController, SandboxInboundController] : []),
  ];
}

/**
 * SMS and MMS for helpdesk tickets. Register it once, with `SmsModule.forRoot(options)` or
 * `SmsModule.forRootAsync({ imports, inject, useFactory })`; both take `workers` (default true: this process runs the
 * jobs; false serves HTTP and enqueues only, the `api` role) and `routes` (a prefix and the groups to leave out).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature(SMS_ENTITIES),
    BullModule.registerQueue(
      { name: SmsQueue.Outbound },
      { name: SmsQueue.Maintenance },
      { name: SmsQueue.Inbound },
      { name: SmsQueue.InboundMedia },
      { name: SmsQueue.Timers },
    ),
    BullModule.registerFlowProducer({ name: INBOUND_FLOW }),
  ],
  providers: [
    { provide: SMS_MODULE_OPTIONS, inject: [SMS_HOST_OPTIONS, SMS_ROUTE_OPTIONS], useFactory: resolveSmsOptions },
    {
      provide: TICKET_GATEWAY,
      inject: [SMS_MODULE_OPTIONS],
      useFactory: (options: ResolvedSmsOptions) => options.ticketGateway,
    },
    platformProvider,
    SmsCallerGuard,
    AdminOnlyGuard,
    TicketTexts,
    AfterHoursService,
    AfterHoursSettingsService,
    BusinessHoursService,
    Clock,
    CreditGate,
    CreditGrants,
    CreditLedger,
    CreditsService,
    HeldMessages,
    ConversationsService,
    InboundKeywords,
    InboundLanding,
    ConversationTimers,
    InboundMediaService,
    InboundQueries,
    InboundQueue,
    InboundReceiver,
    InboundRouting,
    InboundTriage,
    MediaStorage,
    OptOutsService,
    SandboxInbound,
    OutboundQueue,
    OutboundService,
    OutboundWriter,
    OutboxSweep,
    SecretsRotation,
    SendPipeline,
    SendEndings,
    SendSchedule,
    SmsMessagesService,
    SmsNumbersService,
    SmsSettingsService,
    SmsTemplatesService,
    StatusCallbacks,
    TwilioSignatureGuard,
    {
      provide: SecretBox,
      inject: [SMS_MODULE_OPTIONS],
      useFactory: (options: ResolvedSmsOptions) =>
        SecretBox.fromConfig(options.secretsKey, options.previousSecretsKeys),
    },
    FlowrouteSettings,
    FlowrouteCallbacks,
    FlowrouteTokenGuard,
    ProviderResolver,
    ProviderRateLimiter,
    RateLimits,
    NumberVerification,
    PlatformNumbers,
    NumberImports,
    SendingIdentity,
    SmsEvents,
    ConversationClaims,
    ConversationQueries,
    ConversationReplies,
    ThreadClaims,
    LiveReplies,
    CannedReplies,
    ReplyDrafts,
    ComposeService,
    AvailabilityService,
    SessionReports,
    SmsMetrics,
    WebhookTiming,
    QueuePrefixCheck,
  ],
  exports: [
    SMS_MODULE_OPTIONS,
    SmsCallerGuard,
    AdminOnlyGuard,
    TicketTexts,
    OutboundService,
    MediaStorage,
    InboundReceiver,
    SmsNumbersService,
    SmsSettingsService,
    SmsTemplatesService,
    Clock,
    AfterHoursService,
    // The host's web console calls the same services as the REST API.
    CreditsService,
    SmsMessagesService,
    BusinessHoursService,
    SendSchedule,
    AfterHoursSettingsService,
    AvailabilityService,
    ConversationQueries,
    ConversationReplies,
    ConversationClaims,
    // The console's conversation page: canned replies, sign-offs, drafts and compose.
    CannedReplies,
    ReplyDrafts,
    ComposeService,
    LiveReplies,
    SmsEvents,
    NumberImports,
    InboundTriage,
    // The host's platform API: assigning the platform's numbers, granting credits and settling purchases.
    PlatformNumbers,
    CreditGrants,
    // Shared counters in Redis: the host's sign-in and token checks use them too.
    RateLimits,
    // The host serves the module's metrics (or merges the registry into its own).
    SmsMetrics,
  ],
})
export class SmsModule extends ConfigurableModuleClass {
  static override forRoot(options: typeof SMS_OPTIONS_TYPE): DynamicModule {
    return SmsModule.withRuntime(super.forRoot(options), options, options.provider);
  }

  static override forRootAsync(options: typeof SMS_ASYNC_OPTIONS_TYPE): DynamicModule {
    return SmsModule.withRuntime(super.forRootAsync(options), options);
  }

  /**
   * What both ways of registering add: the route groups, the prefix, and the job processors unless workers is false.
   */
  private static withRuntime(
    base: DynamicModule,
    extras: Partial<SmsModuleExtras> & Partial<Pick<SmsModuleOptions, 'creditMetering'>>,
    provider?: string,
  ): DynamicModule {
    const routes: SmsRouteOptions = { ...extras.routes };
    const prefix = routes.prefix?.replace(/^\/+|\/+$/g, '');
    return {
      ...base,
      imports: [
        ...(base.imports ?? []),
        ...(prefix ? [RouterModule.register([{ path: prefix, module: SmsModule }])] : []),
      ],
      controllers: [
        ...(base.controllers ?? []),
        ...controllersFor(routes, { metered: extras.creditMetering, provider }),
      ],
      providers: [
        ...(base.providers ?? []),
        { provide: SMS_ROUTE_OPTIONS, useValue: routes },
        ...(extras.workers === false ? [] : WORKERS),
      ],
    };
  }
}
