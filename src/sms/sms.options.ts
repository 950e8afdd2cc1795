import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { SmsCaller } from './auth/caller';
import { packageTemplatesFolder } from './templates/default-templates';
import { TEMPLATE_KEYS } from './templates/template-renderer';
import type { CreditPurchases } from './ports/credit-purchases.port';
import type { TicketGateway } from './ports/ticket-gateway.port';
import { FLOWROUTE_DEFAULTS } from './providers/flowroute/flowroute-wire';
import { resolveTwilioCredentials, type TwilioCredentials } from './providers/twilio/twilio-options';

export type { TwilioCredentials };

export interface FlowrouteOptions {
  /** Messages API base. Default: Flowroute's public Messages API v2.1. */
  apiUrl: string;
  timeoutMs: number;
  /** host[:port] inbound MMS media may be downloaded from (Flowroute's storage bucket). */
  mediaHosts: string[];
}

/**
 * Tells the module who makes an HTTP request to its routes, from the request the host has already authenticated:
 * an account, a user of it and that user's role, or null when nobody is signed in (the route answers 401).
 * The default reads `request.user` when it has that shape.
 */
export type CallerResolver = (request: unknown) => SmsCaller | null | undefined | Promise<SmsCaller | null | undefined>;

export interface SmsModuleOptions {
  /** The host's implementation of the port (extend `TicketGatewayBase` to write only the single lookups). */
  ticketGateway: TicketGateway;
  /**
   * The public base URL the module's routes are reached at: callback URLs and webhook signatures are built from it.
   * Include any global prefix the host puts in front of the module's routes.
   */
  publicUrl: string;
  /** Platform provider: `sandbox` records texts locally (development, tests); `twilio` sends for real. */
  provider: 'sandbox' | 'twilio';
  /** The platform's Twilio account; required with `provider: 'twilio'`. */
  twilio?: TwilioCredentials;
  /** Who is calling; default: `request.user` of the `SmsCaller` shape. */
  resolveCaller?: CallerResolver;
  /** false: texts never spend credits and the credit routes are left out (hosts that bill otherwise). Default true. */
  creditMetering?: boolean;
  /** A folder of `<key>.hbs` files that replace the shipped default templates. Default: the package's templates/sms. */
  templatesDir?: string;
  /** Where MMS originals and thumbnails are stored. Default ./var/storage (from the working directory). */
  storageDir?: string;
  /** Encrypts accounts' own provider credentials at rest (32 bytes, base64 or hex); without it they cannot be stored. */
  secretsKey?: string;
  /** Keys retired by a rotation: what they sealed still opens, and the maintenance sweep seals it again with `secretsKey`. */
  previousSecretsKeys?: string[];
  /** Accounts that send through their own Flowroute account; defaults to Flowroute's public API. */
  flowroute?: Partial<FlowrouteOptions>;
  /** How often the outbox sweep looks for rows without a live job. Default 30 s. */
  outboxSweepMs?: number;
  /** First retry delay of a send that failed without sending (429, refused connection); doubles each time. Default 2 s. */
  sendRetryBaseMs?: number;
  /** Jobs a worker runs at once. Default 20. */
  workerConcurrency?: number;
  /** Largest MMS item downloaded. Default 5 MB. */
  mediaMaxBytes?: number;
  /**
   * The host's billing: accounts buy credit packs through it (charged first, credited once paid). Without it, admins'
   * purchases are refused (403) and credits come only from the host's grants (`CreditGrants.grant`).
   */
  creditPurchases?: CreditPurchases;
  /** Provider lookups (is this number ours?) a bulk number import may make per account and hour; default 200. */
  providerLookupsPerHour?: number;
  /**
   * Provider calls (sends, look-ups) a worker process has in flight at once; default 10. Each call's timeout runs from
   * its request, so more calls than the HTTP client's sockets would time out waiting; raise it with the provider's
   * latency and the client's sockets (twilio-node keeps 20 per host).
   */
  providerCallsInFlight?: number;
  /**
   * host[:port] whose media may be fetched although it resolves to a loopback, private or link-local address.
   * For local fakes in tests only: by default every such hop (a link or a redirect) is refused.
   */
  mediaPrivateAddressHosts?: string[];
}

/** Groups of routes a host may leave out; each defaults to on, but `sandbox`, which follows `provider`. */
export interface SmsRouteOptions {
  /** Put in front of every route of the module, e.g. 'sms-module'. Default none. */
  prefix?: string;
  /** `/sms/sandbox/*`: the texts the sandbox recorded, and simulated inbound texts. Default: on with the sandbox provider. */
  sandbox?: boolean;
  /** `POST /sms/credits/purchases`. Default on while credits are metered. */
  creditPurchases?: boolean;
  /** `/sms/reports/*`. */
  reports?: boolean;
  /** `GET /tickets/:id/sms`: the one route in the host's own URL space. */
  ticketTexts?: boolean;
}

/** What `forRoot` and `forRootAsync` take besides the options: decided when the module is built, not at run time. */
export interface SmsModuleExtras {
  /** Run the job processors in this process (`false`: serve HTTP and enqueue only, the `api` role). Default true. */
  workers: boolean;
  routes: SmsRouteOptions;
}

/** The options as the module's services read them: every default filled in, checked at start-up. */
export interface ResolvedSmsOptions {
  ticketGateway: TicketGateway;
  publicUrl: string;
  /** `publicUrl` and the route prefix: where the module's webhooks are reached. */
  webhookBaseUrl: string;
  provider: 'sandbox' | 'twilio';
  twilio?: Required<TwilioCredentials>;
  resolveCaller: CallerResolver;
  creditMetering: boolean;
  creditPurchases?: CreditPurchases;
  providerLookupsPerHour?: number;
  providerCallsInFlight: number;
  mediaPrivateAddressHosts?: string[];
  templatesDir: string;
  storageDir: string;
  secretsKey?: string;
  previousSecretsKeys?: string[];
  flowroute: FlowrouteOptions;
  outboxSweepMs: number;
  sendRetryBaseMs: number;
  workerConcurrency: number;
  mediaMaxBytes: number;
}

const GATEWAY_METHODS: (keyof TicketGateway)[] = [
  'getAccount',
  'getTicketContext',
  'getUser',
  'getTeam',
  'findUserByEmail',
  'findTeamByName',
  'findCustomersByPhone',
  'findCustomersByPhones',
  'createCustomerFromPhone',
  'listOpenTickets',
  'listOpenTicketsOfCustomers',
  'findTicket',
  'findTickets',
  'createTicketFromSms',
  'addCustomerComment',
  'addCustomerComments',
  'addTechnicianText',
  'addPrivateNote',
  'moveComment',
];

/** Reads `request.user` when the host's authentication left a caller of the module's shape there. */
export const userOnRequest: CallerResolver = (request) => (request as { user?: SmsCaller } | null)?.user ?? null;

/**
 * Fills in the defaults and checks everything a host can get wrong, so that a bad set-up fails at start-up with every
 * problem named, not at the first text.
 */
export function resolveSmsOptions(options: SmsModuleOptions, routes: SmsRouteOptions = {}): ResolvedSmsOptions {
  const problems: string[] = [];
  const gateway = options?.ticketGateway as Partial<Record<keyof TicketGateway, unknown>> | undefined;
  if (!gateway || typeof gateway !== 'object')
    problems.push('ticketGateway is required: an object implementing TicketGateway');
  else {
    const missing = GATEWAY_METHODS.filter((method) => typeof gateway[method] !== 'function');
    if (missing.length > 0)
      problems.push(`ticketGateway lacks ${missing.join(', ')} (extend TicketGatewayBase to get the batch methods)`);
  }
  let publicUrl = '';
  try {
    const url = new URL(options?.publicUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('not http');
    publicUrl = url.toString().replace(/\/+$/, '');
  } catch {
    problems.push(
      `publicUrl must be an absolute http(s) URL, e.g. https://desk.example.com (got ${JSON.stringify(options?.publicUrl)})`,
    );
  }
  if (options?.provider !== 'sandbox' && options?.provider !== 'twilio') {
    problems.push(`provider must be 'sandbox' or 'twilio' (got ${JSON.stringify(options?.provider)})`);
  }
  let twilio: Required<TwilioCredentials> | undefined;
  if (options?.twilio) {
    twilio = resolveTwilioCredentials(options.twilio, problems);
  } else if (options?.provider === 'twilio') {
    problems.push("provider 'twilio' needs twilio: { accountSid, authToken }");
  }
  if (options?.resolveCaller !== undefined && typeof options.resolveCaller !== 'function')
    problems.push('resolveCaller must be a function of the request');
  const positive = (name: keyof SmsModuleOptions, fallback: number): number => {
    const value = options?.[name];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0)
      problems.push(`${name} must be a whole number above 0 (got ${JSON.stringify(value)})`);
    return value as number;
  };
  const templatesDir = resolve(options?.templatesDir ?? packageTemplatesFolder());
  const missingTemplates = TEMPLATE_KEYS.filter((key) => !existsSync(join(templatesDir, `${key}.hbs`)));
  if (missingTemplates.length > 0)
    problems.push(`templatesDir ${templatesDir} lacks ${missingTemplates.map((key) => `${key}.hbs`).join(', ')}`);
  if (
    routes.prefix !== undefined &&
    !/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/.test(routes.prefix.replace(/^\/+|\/+$/g, ''))
  ) {
    problems.push(`routes.prefix must be a path such as 'sms-module' (got ${JSON.stringify(routes.prefix)})`);
  }
  const resolved: ResolvedSmsOptions = {
    ticketGateway: options?.ticketGateway,
    publicUrl,
    webhookBaseUrl: routes.prefix ? `${publicUrl}/${routes.prefix.replace(/^\/+|\/+$/g, '')}` : publicUrl,
    provider: options?.provider,
    twilio,
    resolveCaller: options?.resolveCaller ?? userOnRequest,
    creditMetering: options?.creditMetering ?? true,
    creditPurchases: options?.creditPurchases,
    providerLookupsPerHour: options?.providerLookupsPerHour,
    providerCallsInFlight: positive('providerCallsInFlight', 10),
    mediaPrivateAddressHosts: options?.mediaPrivateAddressHosts,
    templatesDir,
    storageDir: resolve(options?.storageDir ?? join('var', 'storage')),
    secretsKey: options?.secretsKey,
    previousSecretsKeys: options?.previousSecretsKeys,
    flowroute: { ...FLOWROUTE_DEFAULTS, ...options?.flowroute },
    outboxSweepMs: positive('outboxSweepMs', 30_000),
    sendRetryBaseMs: positive('sendRetryBaseMs', 2_000),
    workerConcurrency: positive('workerConcurrency', 20),
    mediaMaxBytes: positive('mediaMaxBytes', 5 * 1024 * 1024),
  };
  if (problems.length > 0) throw new Error(`SmsModule is not set up right:\n- ${problems.join('\n- ')}`);
  return resolved;
}

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: SMS_HOST_OPTIONS,
  OPTIONS_TYPE: SMS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: SMS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<SmsModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras<SmsModuleExtras>({ workers: true, routes: {} }, (definition) => ({ ...definition, global: true }))
  .build();

/** The resolved options (`ResolvedSmsOptions`), as every service of the module injects them. */
export const SMS_MODULE_OPTIONS = Symbol('SMS_MODULE_OPTIONS');
/** The route options given to forRoot / forRootAsync. */
export const SMS_ROUTE_OPTIONS = Symbol('SMS_ROUTE_OPTIONS');
