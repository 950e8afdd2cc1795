import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { TicketGateway } from './ports/ticket-gateway.port';

export interface TwilioCredentials {
  accountSid: string;
  authToken: string;
  /** REST base, e.g. https://api.twilio.com; media is fetched only from this host. */
  apiUrl: string;
  timeoutMs: number;
}

export interface FlowrouteOptions {
  /** Messages API base, e.g. https://api.flowroute.com/v2.1. */
  apiUrl: string;
  timeoutMs: number;
  /** host[:port] inbound MMS media may be downloaded from (Flowroute's storage bucket). */
  mediaHosts: string[];
}

export interface SmsModuleOptions {
  /** The host's implementation of the port. */
  ticketGateway: TicketGateway;
  /** Public base URL of this service: callback URLs and webhook signatures are built from it. */
  publicUrl: string;
  /** Platform provider: `sandbox` records messages locally; `twilio` sends for real. */
  provider: 'sandbox' | 'twilio' | 'flowroute';
  twilio?: TwilioCredentials;
  /** Encrypts accounts' own provider credentials at rest (32 bytes, base64 or hex); without it they cannot be stored. */
  secretsKey?: string;
  /** Keys retired by a rotation: what they sealed still opens, and the maintenance sweep seals it again with `secretsKey`. */
  previousSecretsKeys?: string[];
  /** Accounts that send through their own Flowroute account; defaults to the public API. */
  flowroute?: FlowrouteOptions;
  /** How often the outbox sweep looks for rows without a live job. */
  outboxSweepMs: number;
  /** First retry delay of a send that failed without sending (429, refused connection); doubles each time. */
  sendRetryBaseMs?: number;
  workerConcurrency?: number;
  /** Where MMS originals and thumbnails are stored (STORAGE_DIR). */
  storageDir: string;
  /** Largest MMS item downloaded; default 5 MB. */
  mediaMaxBytes?: number;
  /**
   * host[:port] whose media may be fetched although it resolves to a loopback, private or link-local address.
   * For local fakes in tests only: by default every such hop (a link or a redirect) is refused.
   */
  mediaPrivateAddressHosts?: string[];
}

export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN: SMS_MODULE_OPTIONS } = new ConfigurableModuleBuilder<SmsModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras({ workers: true }, (definition, extras) => ({ ...definition, global: true, workers: extras.workers }))
  .build();
