/**
 * ticket-sms: SMS and MMS for helpdesk tickets, as a NestJS module. This is the whole public surface a host imports;
 * anything not exported here is the module's own and may change. Test helpers are at `ticket-sms/testing`, the
 * migrations at `ticket-sms/migrations`.
 */

// ─── Registering the module ───
export { SmsModule } from './sms.module';
export { SMS_ENTITIES } from './entities';
export { resolveSmsOptions, userOnRequest } from './sms.options';
export type {
  CallerResolver,
  FlowrouteOptions,
  ResolvedSmsOptions,
  SmsModuleExtras,
  SmsModuleOptions,
  SmsRouteOptions,
  TwilioCredentials,
} from './sms.options';
export {
  configureSmsHttp,
  SMS_FORM_BODY_LIMIT,
  SMS_JSON_BODY_LIMIT,
  SMS_WEBHOOK_ROUTES,
} from './http/configure-sms-http';

// ─── The port a host implements ───
export { TICKET_GATEWAY } from './ports/ticket-gateway.port';
export type {
  AccountInfo,
  CustomerComment,
  CustomerSummary,
  PhoneType,
  StoredAttachment,
  TeamSummary,
  TicketGateway,
  TicketSmsContext,
  TicketSummary,
  UserSummary,
} from './ports/ticket-gateway.port';
export { TicketGatewayBase } from './ports/ticket-gateway.base';
export type { ChargeOutcome, CreditCharge, CreditPurchases } from './ports/credit-purchases.port';

// ─── Who is calling ───
export { AdminOnlyGuard, CurrentCaller, PUBLIC_ROUTE, PublicRoute, SmsCallerGuard } from './auth/caller';
export type { SmsCaller } from './auth/caller';
export { HostIdPipe, isHostId, HOST_ID_MAX_LENGTH } from './core/host-id';

// ─── Ticket writes that text the customer ───
export { TicketTexts } from './messages/ticket-texts.service';
export type {
  TicketActor,
  TicketCreatedWrite,
  TicketUpdatedWrite,
  TicketUpdateOptions,
  WithTexts,
} from './messages/ticket-texts.service';
export { OutboundService } from './messages/outbound.service';
export type { SmsDispatch, TicketEvent } from './messages/outbound.service';

// ─── Database helpers the module's own SQL uses, for a host's gateway and writes as well ───
export { runPrepared } from './core/prepared';
export type { PreparedStatement } from './core/prepared';
export { columnList, hydrate } from './core/hydrate';
export { isTransactionConflict, retryingConflicts } from './core/transaction-retry';
export {
  DATABASE_RETRY_AFTER_SECONDS,
  DATABASE_UNAVAILABLE_MESSAGE,
  DatabaseUnavailableFilter,
  isDatabaseUnavailable,
} from './core/database-unavailable.filter';

// ─── For a host's own UI (the reference console): the services and pure helpers behind the REST API ───
export { Clock } from './clock/clock';
export { maskPhone } from './logging/mask';
export { SmsQueue } from './queues/queues';
export { MediaStorage } from './media/media-storage';
export { clusterPrefixProblem } from './queues/queue-prefix';
export { AfterHoursService } from './after-hours/after-hours.service';
export type { AfterHoursInbound, AfterHoursOutcome } from './after-hours/after-hours.service';
export { SmsTemplatesService, templateVariables } from './templates/sms-templates.service';
export {
  MAX_RENDERED_CHARACTERS,
  TEMPLATE_HELPERS,
  TEMPLATE_KEYS,
  TEMPLATE_VARIABLES,
  TemplateBudgetError,
} from './templates/template-renderer';
export type { TemplateKey } from './templates/template-renderer';
export { SmsSettingsService } from './settings/sms-settings.service';
export { SmsNumbersService } from './numbers/sms-numbers.service';
export { toSmsNumberResponse } from './numbers/sms-number.dto';
export { CreditsService } from './credits/credits.service';
export { CreditGrants } from './credits/credit-grants.service';
export type { CreditGrant, SettledPurchase } from './credits/credit-grants.service';
export { creditsFor, CREDITS_PER_PACK } from './credits/credit-rules';
export { SmsMessagesService } from './messages/sms-messages.service';
export { toSmsMessageResponse } from './messages/sms-message.dto';
export { BusinessHoursService } from './schedule/business-hours.service';
export { SendSchedule } from './schedule/send-schedule.service';
export { LiveReplies } from './schedule/live-replies.service';
export { AfterHoursSettingsService } from './after-hours/after-hours-settings.service';
export { AvailabilityService } from './availability/availability.service';
export type { AvailabilityView } from './availability/availability.service';
export { toAvailabilityResponse } from './availability/availability.dto';
export { analyzeSms, splitSms, MAX_SMS_CHARACTERS } from './segments/segments';
export { ConversationQueries } from './conversations/conversation-queries.service';
export type { LatestText } from './conversations/conversation-queries.service';
export { ConversationReplies } from './conversations/conversation-replies.service';
export { ConversationClaims } from './conversations/conversation-claims.service';
export { SmsEvents } from './conversations/sms-events.service';
export { SmsMetrics } from './metrics/sms-metrics.service';
export type { SmsEvent } from './conversations/sms-events.service';
export { hears } from './conversations/conversation-access';
export type { Viewer } from './conversations/conversation-access';
export {
  ComposeDto,
  ConversationReplyDto,
  DraftDto,
  toConversationDetailResponse,
  toConversationResponse,
} from './conversations/conversations.dto';
export { InboundTriage } from './inbound/inbound-triage.service';
// The console's conversation page: canned replies, sign-offs, drafts with their cost, compose.
export { ComposeService } from './conversations/compose.service';
export { CannedReplies, MAX_SIGN_OFF_LENGTH } from './canned-replies/canned-replies.service';
export { ReplyDrafts } from './canned-replies/reply-drafts.service';
export {
  CreateCannedReplyDto,
  SignOffDto,
  toCannedReplyResponse,
  UpdateCannedReplyDto,
} from './canned-replies/canned-replies.dto';
export { NumberImports } from './numbers/number-imports.service';
export { csvCell } from './csv/csv';
export { PlatformNumbers } from './numbers/platform-numbers.service';
export type { NumberAssignment } from './numbers/platform-numbers.service';
export { UpdateSmsSettingsDto } from './settings/sms-settings.dto';
export { SaveAccountAfterHoursDto, SaveAfterHoursOverrideDto } from './after-hours/after-hours.dto';
export { CreateSmsNumberDto, UpdateSmsNumberDto } from './numbers/sms-number.dto';
export { SMS_NUMBER_KINDS } from './numbers/sms-number.entity';
export type { SmsNumberKind } from './numbers/sms-number.entity';
export { HISTORY_CHOICES } from './numbers/number-assignment';
export type { HistoryChoice } from './numbers/number-assignment';
export {
  PREVIOUS_SECRETS_KEYS_HINT,
  PREVIOUS_SECRETS_KEYS_PATTERN,
  SECRETS_KEY_HINT,
  SECRETS_KEY_PATTERN,
} from './secrets/secret-box';
export {
  BusyException,
  RateLimits,
  TooManyRequestsException,
  retryAfterHeader,
  retryAfterSeconds,
} from './rate-limits/rate-limits';
export type { WindowCount } from './rate-limits/rate-limits';
