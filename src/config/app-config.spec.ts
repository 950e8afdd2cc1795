import { clusterPrefixProblem } from '../sms';
import { ConfigError, loadEnvironment } from './app-config';

describe('loadEnvironment', () => {
  it('applies the documented defaults', () => {
    const sut = loadEnvironment({});
    expect(sut.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/ticket_sms');
    expect(sut.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(sut.PORT).toBe(3000);
    expect(sut.PUBLIC_URL).toBe('http://localhost:3000');
    expect(sut.SMS_PROVIDER).toBe('sandbox');
    expect(sut.QUEUE_PREFIX).toBe('{ticket-sms}');
    expect(sut.ROLE).toBe('all');
    expect(sut.PLATFORM_TOKEN).toBeUndefined();
  });

  it('parses numbers and strips a trailing slash from URLs', () => {
    const sut = loadEnvironment({ PORT: '8080', PUBLIC_URL: 'https://help.example.com/' });
    expect(sut.PORT).toBe(8080);
    expect(sut.PUBLIC_URL).toBe('https://help.example.com');
  });

  it('keeps at most 10 PostgreSQL connections a process unless told otherwise, and refuses a pool it cannot use', () => {
    expect(loadEnvironment({}).DATABASE_POOL_SIZE).toBe(10);
    expect(loadEnvironment({ DATABASE_POOL_SIZE: '24' }).DATABASE_POOL_SIZE).toBe(24);
    expect(() => loadEnvironment({ DATABASE_POOL_SIZE: '0' })).toThrow(
      /DATABASE_POOL_SIZE=0: must be between 1 and 200/,
    );
    expect(() => loadEnvironment({ DATABASE_POOL_SIZE: 'lots' })).toThrow(
      /DATABASE_POOL_SIZE="lots": must be a whole number of connections/,
    );
  });

  it('names each bad variable and what is wrong with it', () => {
    expect(() => loadEnvironment({ PORT: 'eighty', SMS_PROVIDER: 'nexmo' })).toThrow(ConfigError);
    try {
      loadEnvironment({ PORT: 'eighty', SMS_PROVIDER: 'nexmo' });
    } catch (e) {
      const message = (e as Error).message;
      expect(message).toMatch(/PORT="eighty": must be a whole number/);
      expect(message).toMatch(/SMS_PROVIDER="nexmo": must be one of sandbox, twilio$/m);
    }
  });

  it('never prints a secret it refuses', () => {
    expect(() => loadEnvironment({ PLATFORM_TOKEN: 'short-secret' })).toThrow(/PLATFORM_TOKEN=\(hidden\)/);
  });

  it('refuses the twilio provider without credentials', () => {
    expect(() => loadEnvironment({ SMS_PROVIDER: 'twilio' })).toThrow(/TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN/);
  });

  it('takes SECRETS_KEY as 32 bytes in hex or base64, refuses anything else without printing it', () => {
    expect(loadEnvironment({}).SECRETS_KEY).toBeUndefined();
    expect(loadEnvironment({ SECRETS_KEY: 'ab'.repeat(32) }).SECRETS_KEY).toBe('ab'.repeat(32));
    expect(loadEnvironment({ SECRETS_KEY: Buffer.alloc(32, 7).toString('base64') }).SECRETS_KEY).toBeDefined();
    expect(() => loadEnvironment({ SECRETS_KEY: 'too-short-a-key' })).toThrow(
      /SECRETS_KEY=\(hidden\): must be 32 bytes/,
    );
  });

  it('takes SECRETS_KEY_PREVIOUS as keys separated by commas, only with SECRETS_KEY, without printing them', () => {
    const current = 'ab'.repeat(32);
    const previous = `${Buffer.alloc(32, 1).toString('base64')}, ${'cd'.repeat(32)}`;
    expect(loadEnvironment({ SECRETS_KEY: current, SECRETS_KEY_PREVIOUS: previous }).SECRETS_KEY_PREVIOUS).toBe(
      previous,
    );
    expect(() => loadEnvironment({ SECRETS_KEY: current, SECRETS_KEY_PREVIOUS: `${'cd'.repeat(32)},oops` })).toThrow(
      /SECRETS_KEY_PREVIOUS=\(hidden\): must be one or more keys/,
    );
    expect(() => loadEnvironment({ SECRETS_KEY_PREVIOUS: 'cd'.repeat(32) })).toThrow(
      /SECRETS_KEY_PREVIOUS needs SECRETS_KEY/,
    );
    try {
      loadEnvironment({ SECRETS_KEY: current, SECRETS_KEY_PREVIOUS: `${'cd'.repeat(32)},oops` });
    } catch (e) {
      expect((e as Error).message).not.toContain('cd'.repeat(32));
    }
  });

  it('defaults the Flowroute API to the public v2.1 base and its media to Flowroute’s bucket host', () => {
    const sut = loadEnvironment({});
    expect(sut.FLOWROUTE_API_URL).toBe('https://api.flowroute.com/v2.1');
    expect(sut.FLOWROUTE_MEDIA_HOSTS).toBe('s3.us-west-2.amazonaws.com');
    expect(() => loadEnvironment({ FLOWROUTE_MEDIA_HOSTS: 'https://evil.example/x' })).toThrow(/FLOWROUTE_MEDIA_HOSTS/);
  });
});

describe('QUEUE_PREFIX', () => {
  it('defaults to a hash-tagged prefix, which Redis Cluster needs', () => {
    expect(clusterPrefixProblem(loadEnvironment({}).QUEUE_PREFIX)).toBeNull();
  });

  it('takes a plain prefix or one with a single hash tag, and refuses anything else with the reason', () => {
    for (const prefix of ['ticket-sms', '{ticket-sms}', '{eu}.ticket-sms', 'staging-{ticket-sms}'])
      expect(loadEnvironment({ QUEUE_PREFIX: prefix }).QUEUE_PREFIX).toBe(prefix);
    for (const prefix of ['{a}{b}', 'ticket sms', '{}', 'a:b']) {
      expect(() => loadEnvironment({ QUEUE_PREFIX: prefix })).toThrow(/QUEUE_PREFIX=.*at most one \{hash tag\}/);
    }
  });
});
