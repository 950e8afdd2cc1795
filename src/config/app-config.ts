import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min, MinLength, validateSync } from 'class-validator';
import { PREVIOUS_SECRETS_KEYS_HINT, PREVIOUS_SECRETS_KEYS_PATTERN, SECRETS_KEY_HINT, SECRETS_KEY_PATTERN } from '../sms/secrets/secret-box';

export const PROCESS_ROLES = ['api', 'worker', 'all'] as const;
export type ProcessRole = (typeof PROCESS_ROLES)[number];
export const SMS_PROVIDERS = ['sandbox', 'twilio', 'flowroute'] as const;
export type SmsProviderName = (typeof SMS_PROVIDERS)[number];

const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value);
const URL_OPTIONS = { require_tld: false, require_protocol: true };

/** The environment, as the service reads it. Names match the variables one to one. */
export class Environment {
  @IsString()
  @Matches(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/ticket_sms';

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
  @Matches(/^\s*[A-Za-z0-9.-]+(:\d+)?\s*(,\s*[A-Za-z0-9.-]+(:\d+)?\s*)*$/, { message: 'must be a comma-separated list of host or host:port' })
  FLOWROUTE_MEDIA_HOSTS = 's3.us-west-2.amazonaws.com';

  /**
   * Hosts (host[:port], comma-separated) whose media may be fetched although they resolve to loopback, private or
   * link-local addresses: local fakes in tests and benchmarks only. Empty by default.
   */
  @IsOptional()
  @Matches(/^\s*[A-Za-z0-9.-]+(:\d+)?\s*(,\s*[A-Za-z0-9.-]+(:\d+)?\s*)*$/, { message: 'must be a comma-separated list of host or host:port' })
  MEDIA_PRIVATE_ADDRESS_HOSTS?: string;

  @IsString()
  STORAGE_DIR = './var/storage';

  @Transform(toInt)
  @Min(1024, { message: 'must be at least 1024' })
  @IsInt({ message: 'must be a whole number of bytes' })
  MEDIA_MAX_BYTES = 5 * 1024 * 1024;

  @IsString()
  @Matches(/^[A-Za-z0-9_.-]+$/, { message: 'may hold letters, digits, dot, dash and underscore only' })
  QUEUE_PREFIX = 'ticket-sms';

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
}

export class ConfigError extends Error {}

/** Validates `env` and returns the typed configuration; throws a ConfigError naming each bad variable. */
export function loadEnvironment(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Environment> = {}): Environment {
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
    throw new ConfigError('Invalid configuration:\n  SMS_PROVIDER=twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN');
  }
  if (instance.SECRETS_KEY_PREVIOUS && !instance.SECRETS_KEY) {
    throw new ConfigError('Invalid configuration:\n  SECRETS_KEY_PREVIOUS needs SECRETS_KEY, the key that seals from now on');
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
