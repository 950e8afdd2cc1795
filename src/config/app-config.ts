import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';
import {
  PREVIOUS_SECRETS_KEYS_HINT,
  PREVIOUS_SECRETS_KEYS_PATTERN,
  SECRETS_KEY_HINT,
  SECRETS_KEY_PATTERN,
} from '../sms';

/** PostgreSQL connections a process keeps open at most, unless `DATABASE_POOL_SIZE` says otherwise. */
export const DEFAULT_DATABASE_POOL_SIZE = 10;

export const PROCESS_ROLES = ['api', 'worker', 'all'] as const;
export type ProcessRole = (typeof PROCESS_ROLES)[number];
// The platform's provider; accounts may send through their own Flowroute account besides.
export const SMS_PROVIDERS = ['sandbox', 'twilio'] as const;
export type SmsProviderName = (typeof SMS_PROVIDERS)[number];

const toBool = ({ value }: { value: unknown }) =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;
const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
const URL_OPTIONS = { require_tld: false, require_protocol: true };
const TRUST_PROXY_WORD = String.raw`(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(/\d{1,3})?)`;
const TRUST_PROXY_PATTERN = new RegExp(
  String.raw`^(none|\d{1,2}|\s*${TRUST_PROXY_WORD}\s*(,\s*${TRUST_PROXY_WORD}\s*)*)$`,
);

/** The environment, as the service reads it. Names match the variables one to one. */
export class Environment {
  @IsString()
  @Matches(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/ticket_sms';

  @Transform(toInt)
  @Min(1, { message: 'must be between 1 and 200' })
  @Max(200, { message: 'must be between 1 and 200' })
  @IsInt({ message: 'must be a whole number of connections' })
  DATABASE_POOL_SIZE = DEFAULT_DATABASE_POOL_SIZE;

  @IsString()
  @Matches(/^rediss?:\/\//, { message: 'must be a redis:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  @Transform(toInt)
  @Min(0, { message: 'must be between 0 and 65535' })
  @Max(65535, { message: 'must be between 0 and 65535' })
  @IsInt({ message: 'must be a whole number' })
  PORT = 3000;

  @IsUrl(URL_OPTIONS, { message: 'must be an absolute http(s) URL' })
  PUBLIC_URL = 'http://localhost:3000';

  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters' })
  PLATFORM_TOKEN?: string;

  @IsIn(SMS_PROVIDERS, { message: `must be one of ${SMS_PROVIDERS.join(', ')}` })
  SMS_PROVIDER: SmsProviderName = 'sandbox';

  @IsOptional()
  @Matches(/^AC[0-9a-fA-F]{32}$/, { message: 'must look like AC followed by 32 hex digits' })
  TWILIO_ACCOUNT_SID?: string;

  @IsOptional()
  @IsString()
  TWILIO_AUTH_TOKEN?: string;

  @IsUrl(URL_OPTIONS, { message: 'must be an absolute http(s) URL' })
  TWILIO_API_URL = 'https://api.twilio.com';

  @Transform(toInt)
  @Min(1000, { message: 'must be at least 1000' })
  @IsInt({ message: 'must be a whole number of milliseconds' })
  TWILIO_TIMEOUT_MS = 15000;

  /** Encrypts provider credentials at rest (AES-256-GCM); without it, accounts cannot store their own provider's keys. */
  @IsOptional()
  @Matches(SECRETS_KEY_PATTERN, { message: SECRETS_KEY_HINT })
  SECRETS_KEY?: string;

  /** Keys retired by a rotation (comma-separated): what they sealed still opens and is sealed again with SECRETS_KEY. */
  @IsOptional()
  @Matches(PREVIOUS_SECRETS_KEYS_PATTERN, { message: PREVIOUS_SECRETS_KEYS_HINT })
  SECRETS_KEY_PREVIOUS?: string;

  @IsUrl(URL_OPTIONS, { message: 'must be an absolute http(s) URL' })
  FLOWROUTE_API_URL = 'https://api.flowroute.com/v2.1';

  @Transform(toInt)
  @Min(1000, { message: 'must be at least 1000' })
  @IsInt({ message: 'must be a whole number of milliseconds' })
  FLOWROUTE_TIMEOUT_MS = 15000;

  /** Hosts (host[:port], comma-separated) inbound Flowroute MMS media may be downloaded from. */
  @Matches(/^\s*[A-Za-z0-9.-]+(:\d+)?\s*(,\s*[A-Za-z0-9.-]+(:\d+)?\s*)*$/, {
    message: 'must be a comma-separated list of host or host:port',
  })
  FLOWROUTE_MEDIA_HOSTS = 's3.us-west-2.amazonaws.com';

  /**
   * Hosts (host[:port], comma-separated) whose media may be fetched although they resolve to loopback, private or
   * link-local addresses: local fakes in tests and benchmarks only. Empty by default.
   */
  @IsOptional()
  @Matches(/^\s*[A-Za-z0-9.-]+(:\d+)?\s*(,\s*[A-Za-z0-9.-]+(:\d+)?\s*)*$/, {
    message: 'must be a comma-separated list of host or host:port',
  })
  MEDIA_PRIVATE_ADDRESS_HOSTS?: string;

  @IsString()
  STORAGE_DIR = './var/storage';

  @Transform(toInt)
  @Min(1024, { message: 'must be at least 1024' })
  @IsInt({ message: 'must be a whole number of bytes' })
  MEDIA_MAX_BYTES = 5 * 1024 * 1024;

  /** BullMQ key prefix. The hash tag (braces) keeps every key in one Redis Cluster slot; harmless on a single node. */
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]*(\{[A-Za-z0-9_.-]+\})?[A-Za-z0-9_.-]*$/, {
    message: 'may hold letters, digits, dot, dash and underscore, with at most one {hash tag}',
  })
  QUEUE_PREFIX = '{ticket-sms}';

  @IsIn(PROCESS_ROLES, { message: `must be one of ${PROCESS_ROLES.join(', ')}` })
  ROLE: ProcessRole = 'all';

  @Transform(toInt)
  @Min(100, { message: 'must be at least 100' })
  @IsInt({ message: 'must be a whole number of milliseconds' })
  OUTBOX_SWEEP_MS = 15000;

  @Transform(toInt)
  @Min(1, { message: 'must be between 1 and 500' })
  @Max(500, { message: 'must be between 1 and 500' })
  @IsInt({ message: 'must be a whole number' })
  WORKER_CONCURRENCY = 20;

  @Transform(toInt)
  @Min(10, { message: 'must be at least 10' })
  @IsInt({ message: 'must be a whole number of milliseconds' })
  SEND_RETRY_BASE_MS = 2000;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /**
   * Proxies in front of the service whose X-Forwarded-For is believed: `none`, a hop count (`1`: one proxy), or
   * addresses and subnets (`10.0.0.1, 10.1.0.0/16`, also `loopback`). The client address it gives is what sign-in
   * and token limits count, so it must never trust what any client can send.
   */
  @Matches(TRUST_PROXY_PATTERN, {
    message:
      'must be none, a number of hops, or comma-separated addresses / subnets (or loopback, linklocal, uniquelocal)',
  })
  TRUST_PROXY = 'none';

  /** OpenAPI at /api/docs and /api/docs-json: `on` or `off`; unset, on for an http PUBLIC_URL (development) and off for https. */
  @IsOptional()
  @IsIn(['on', 'off'], { message: 'must be on or off' })
  API_DOCS?: 'on' | 'off';

  /** Concurrent password hashes per process (scrypt runs on libuv's thread pool, which file reads share). */
  @Transform(toInt)
  @Min(1, { message: 'must be between 1 and 64' })
  @Max(64, { message: 'must be between 1 and 64' })
  @IsInt({ message: 'must be a whole number' })
  PASSWORD_HASH_CONCURRENCY = 2;

  /** How often a console live stream checks that its session still exists. */
  @Transform(toInt)
  @Min(100, { message: 'must be at least 100' })
  @IsInt({ message: 'must be a whole number of milliseconds' })
  STREAM_SESSION_CHECK_MS = 15000;

  /** Provider lookups (is this number ours?) an account may cause per hour; bulk imports wait within it. */
  @Transform(toInt)
  @Min(1, { message: 'must be at least 1' })
  @IsInt({ message: 'must be a whole number' })
  PROVIDER_LOOKUPS_PER_HOUR = 200;

  /** Provider calls a worker process has in flight at once (sends, look-ups). */
  @Transform(toInt)
  @Min(1, { message: 'must be at least 1' })
  @IsInt({ message: 'must be a whole number' })
  PROVIDER_CALLS_IN_FLIGHT = 10;

  /** /metrics answers without the platform token: only where nothing but the scraper reaches the port. */
  @Transform(toBool)
  @IsBoolean({ message: 'must be true or false' })
  METRICS_PUBLIC = false;

  /** A worker serves its own /metrics on this port (it serves no other HTTP); unset, it serves none. */
  @IsOptional()
  @Transform(toInt)
  @Min(1, { message: 'must be between 1 and 65535' })
  @Max(65535, { message: 'must be between 1 and 65535' })
  @IsInt({ message: 'must be a whole number' })
  METRICS_PORT?: number;
}

/** Express's `trust proxy` setting for TRUST_PROXY: false, a hop count, or the list of trusted addresses. */
export function trustProxySetting(value: string): boolean | number | string[] {
  if (value === 'none') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(',').map((part) => part.trim());
}

/** Whether /api/docs is served: API_DOCS, else on for a development (http) PUBLIC_URL only. */
export function apiDocsOn(env: Pick<Environment, 'API_DOCS' | 'PUBLIC_URL'>): boolean {
  return env.API_DOCS ? env.API_DOCS === 'on' : !env.PUBLIC_URL.startsWith('https:');
}

/** Whether browsers reach the service over https: then cookies are `Secure` and HSTS is sent. */
export function servedOverHttps(env: Pick<Environment, 'PUBLIC_URL'>): boolean {
  return env.PUBLIC_URL.startsWith('https:');
}

export class ConfigError extends Error {}

/** Validates `env` and returns the typed configuration; throws a ConfigError naming each bad variable. */
export function loadEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Environment> = {},
): Environment {
  const defined = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const instance = plainToInstance(Environment, { ...defined, ...overrides }, { exposeDefaultValues: true });
  const errors = validateSync(instance, { stopAtFirstError: true });
  if (errors.length > 0) {
    const lines = errors.map((e) => {
      const shown = secretName(e.property) ? '(hidden)' : JSON.stringify(e.value);
      return `  ${e.property}=${shown}: ${Object.values(e.constraints ?? {}).join('; ')}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  if (instance.SMS_PROVIDER === 'twilio' && (!instance.TWILIO_ACCOUNT_SID || !instance.TWILIO_AUTH_TOKEN)) {
    throw new ConfigError(
      'Invalid configuration:\n  SMS_PROVIDER=twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN',
    );
  }
  if (instance.SECRETS_KEY_PREVIOUS && !instance.SECRETS_KEY) {
    throw new ConfigError(
      'Invalid configuration:\n  SECRETS_KEY_PREVIOUS needs SECRETS_KEY, the key that seals from now on',
    );
  }
  instance.PUBLIC_URL = instance.PUBLIC_URL.replace(/\/+$/, '');
  instance.TWILIO_API_URL = instance.TWILIO_API_URL.replace(/\/+$/, '');
  instance.FLOWROUTE_API_URL = instance.FLOWROUTE_API_URL.replace(/\/+$/, '');
  return instance;
}

function secretName(name: string): boolean {
  return /TOKEN|SECRET|PASSWORD|KEY/.test(name) || name === 'DATABASE_URL' || name === 'REDIS_URL';
}

/** Injection token of the validated Environment. */
export const APP_CONFIG = Symbol('APP_CONFIG');
