/** The public surface of the SMS module: what a host imports. */
export { SmsModule, SMS_ENTITIES } from './sms.module';
export type { FlowrouteOptions, SmsModuleOptions, TwilioCredentials } from './sms.options';
export type { AccountInfo, TicketGateway, TicketSmsContext, PhoneType } from './ports/ticket-gateway.port';
export { TICKET_GATEWAY } from './ports/ticket-gateway.port';
export type { TeamSummary, UserSummary } from './ports/ticket-gateway.port';
export { OutboundService } from './messages/outbound.service';
export type { SmsDispatch, TicketEvent } from './messages/outbound.service';
export { AdminOnlyGuard, PUBLIC_ROUTE, PublicRoute, CurrentCaller } from './auth/caller';
export type { SmsCaller } from './auth/caller';
export { Clock } from './clock/clock';
export { maskPhone } from './logging/mask';
export { SmsQueue } from './queues/queues';
export { AfterHoursService } from './after-hours/after-hours.service';
export type { AfterHoursInbound, AfterHoursOutcome } from './after-hours/after-hours.service';
export type { CustomerComment, CustomerSummary, StoredAttachment, TicketSummary } from './ports/ticket-gateway.port';
export { MediaStorage } from './media/media-storage';
