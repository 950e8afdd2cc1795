/**
 * ticket-sms/testing: what a host needs in its own tests. `SandboxPhone` plays the customer's phone against the module
 * running with the sandbox provider; `ticketGatewayConformance` checks the host's TicketGateway the way the module
 * relies on it.
 */
export { SandboxPhone } from './sandbox-phone';
export type { DeliveredText, LandedText } from './sandbox-phone';
export { ticketGatewayConformance } from './gateway-conformance';
export type { ConformanceCheck, ConformanceComment, GatewayConformanceFixture } from './gateway-conformance';
