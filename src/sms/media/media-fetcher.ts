import { lookup as lookupCallback, LookupAddress, LookupOptions } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type * as Undici from 'undici';

let undici: typeof Undici | null = null;
/** undici loads with the first media fetch, not at start-up: a process that never fetches a photo does not hold it. */
function loadUndici(): typeof Undici {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (undici ??= require('undici') as typeof Undici);
}

export interface MediaFetchOptions {
  /** host[:port] the URL must be on, compared exactly with the parsed URL's host, e.g. 'api.provider.example'. */
  allowedHosts: string[];
  /** Basic auth, sent only to the origin of the original (allowed) URL, never to a redirect target elsewhere. */
  credentials?: { username: string; password: string };
  /** Largest body accepted; default 5 MB. */
  maxBytes: number;
  /** Extra attempts after a 404, for media the provider has not finished storing; default 4. */
  notFoundRetries: number;
  /** First 404 back-off, doubled each time with jitter; default 500. */
  retryBaseDelayMs: number;
  /** Whole attempt (every redirect hop and the body); default 15000. */
  timeoutMs: number;
  /** Redirects followed per attempt; default 3. */
  maxRedirects: number;
  /**
   * host[:port] (a bare host: any port) that may resolve to loopback, private or link-local addresses: local fakes
   * in tests only. Empty by default, so every hop to such an address is refused.
   */
  privateAddressHosts: string[];
  /** Resolves a host name to every address it has; dns.lookup by default. */
  resolve: (hostname: string) => Promise<string[]>;
}

export type MediaFetchFailureReason =
  | 'host_not_allowed'
  | 'address_not_allowed'
  | 'too_large'
  | 'not_found'
  | 'http_error'
  | 'network'
  | 'too_many_redirects';
export type MediaFetchResult =
  | { ok: true; bytes: Buffer; declaredType: string | null; finalUrl: string }
  | { ok: false; reason: MediaFetchFailureReason; detail: string; retryable: boolean };
type MediaFetchFailure = Extract<MediaFetchResult, { ok: false }>;

export const MEDIA_FETCH_DEFAULTS: Readonly<Omit<MediaFetchOptions, 'allowedHosts' | 'credentials'>> = {
  maxBytes: 5 * 1024 * 1024,
  notFoundRetries: 4,
  retryBaseDelayMs: 500,
  timeoutMs: 15_000,
  maxRedirects: 3,
  privateAddressHosts: [],
  resolve: async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address),
};

/** Addresses no media link may reach: this machine, private networks, link-local (cloud metadata), unspecified, multicast. */
const PRIVATE_ADDRESSES = (() => {
  const list = new BlockList();
  for (const [network, prefix] of [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.0.0.0', 24],
    ['192.168.0.0', 16],
    ['198.18.0.0', 15],
    ['224.0.0.0', 4],
    ['240.0.0.0', 4],
  ] as const) {
    list.addSubnet(network, prefix, 'ipv4');
  }
  for (const [network, prefix] of [
    ['::', 128],
    ['::1', 128],
    ['fc00::', 7],
    ['fe80::', 10],
    ['ff00::', 8],
    ['64:ff9b::', 96],
    ['2002::', 16],
  ] as const) {
    list.addSubnet(network, prefix, 'ipv6');
  }
  return list;
})();

/** True for an address media must not be fetched from; an IPv4-mapped IPv6 address is judged by its IPv4 address. */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(?:0:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(bare)?.[1] ?? ipv4FromMappedHex(bare);
  if (mapped) return PRIVATE_ADDRESSES.check(mapped, 'ipv4');
  const family = isIP(bare);
  if (family === 4) return PRIVATE_ADDRESSES.check(bare, 'ipv4');
  if (family === 6) return PRIVATE_ADDRESSES.check(bare, 'ipv6');
  return true; // not an address at all: refuse rather than guess
}

/** '::ffff:7f00:1' (how URL writes a mapped address) → '127.0.0.1'. */
function ipv4FromMappedHex(address: string): string | undefined {
  const match = /^::ffff:(?:0:)?([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!match) return undefined;
  const [high, low] = [parseInt(match[1], 16), parseInt(match[2], 16)];
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
// Rate limiting and request timeouts clear up by themselves, like 5xx.
const RETRYABLE_CLIENT_STATUSES = new Set([408, 429]);

function fail(reason: MediaFetchFailureReason, detail: string, retryable = false): MediaFetchFailure {
  return { ok: false, reason, detail, retryable };
}

export function megabytes(bytes: number): string {
  return `${String(Math.round((bytes / (1024 * 1024)) * 10) / 10)} MB`;
}

function wholeNumber(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min)
    throw new RangeError(`${name} must be a whole number of at least ${min}, got ${value}`);
  return value;
}

function isWebUrl(url: URL): boolean {
  return url.protocol === 'https:' || url.protocol === 'http:';
}

/** Cancelling frees the connection; a body we will not read must not keep it busy. */
async function discard(response: Undici.Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

class Timeout extends Error {}

/** Set on the connection error when the address a name resolved to at connect time is refused. */
const ADDRESS_REFUSED = 'EADDRNOTALLOWED';

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * The resolver the connection itself uses: the checked addresses are the ones connected to, so a name that answers
 * a public address to the check and a private one to the connection (DNS rebinding) is refused too.
 */
function checkedLookup(allowPrivate: (hostname: string) => boolean) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    lookupCallback(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const refused = allowPrivate(hostname) ? undefined : addresses.find((a) => isPrivateAddress(a.address));
      if (refused) {
        const denied: NodeJS.ErrnoException = new Error(
          `${hostname} resolved to ${refused.address}, a private or local address`,
        );
        denied.code = ADDRESS_REFUSED;
        return callback(denied, []);
      }
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Downloads one provider media URL with an allow-listed host, a byte cap and 404 back-off. */
export class MediaFetcher {
  private readonly options: Omit<MediaFetchOptions, 'allowedHosts' | 'privateAddressHosts'>;
  private readonly allowedHosts: ReadonlySet<string>;
  private readonly privateAddressHosts: ReadonlySet<string>;
  private readonly connect: { lookup: ReturnType<typeof checkedLookup> };
  private agent: Undici.Agent | null = null;

  constructor(options: Pick<MediaFetchOptions, 'allowedHosts'> & Partial<MediaFetchOptions>) {
    const merged = { ...MEDIA_FETCH_DEFAULTS, ...options };
    this.options = {
      credentials: merged.credentials,
      maxBytes: wholeNumber('maxBytes', merged.maxBytes, 1),
      notFoundRetries: wholeNumber('notFoundRetries', merged.notFoundRetries, 0),
      retryBaseDelayMs: wholeNumber('retryBaseDelayMs', merged.retryBaseDelayMs, 0),
      timeoutMs: wholeNumber('timeoutMs', merged.timeoutMs, 1),
      maxRedirects: wholeNumber('maxRedirects', merged.maxRedirects, 0),
      resolve: merged.resolve,
    };
    // URL.host is lower-case, so the list is too; nothing else is normalised, to keep the comparison exact.
    this.allowedHosts = new Set(options.allowedHosts.map((host) => host.trim().toLowerCase()));
    this.privateAddressHosts = new Set(merged.privateAddressHosts.map((host) => host.trim().toLowerCase()));
    // At connect time only the host name is known: a name allowed on any of its ports passes.
    const privateNames = new Set([...this.privateAddressHosts].map((host) => host.replace(/:\d+$/, '')));
    this.connect = { lookup: checkedLookup((hostname) => privateNames.has(hostname.toLowerCase())) };
  }

  private dispatcher(): Undici.Agent {
    return (this.agent ??= new (loadUndici().Agent)({ connect: this.connect }));
  }

  async fetch(url: string): Promise<MediaFetchResult> {
    const start = this.checkStartUrl(url);
    if (!(start instanceof URL)) return start;
    for (let attempt = 0; ; attempt++) {
      const result = await this.attempt(start);
      if (result.ok || result.reason !== 'not_found' || attempt >= this.options.notFoundRetries) return result;
      await new Promise((resolve) => setTimeout(resolve, this.backoff(attempt)));
    }
  }

  private checkStartUrl(raw: string): URL | MediaFetchFailure {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return fail('host_not_allowed', 'the media link is not a valid web address');
    }
    if (!isWebUrl(url))
      return fail('host_not_allowed', `the media link uses ${url.protocol}, only http and https are allowed`);
    // A user name in the link is how 'https://api.provider.example@evil.com/' disguises its real host.
    if (url.username || url.password)
      return fail('host_not_allowed', 'the media link contains a user name or password');
    if (!this.isAllowedHost(url))
      return fail('host_not_allowed', `the media link points to ${url.host}, which is not an allowed media host`);
    return url;
  }

  private isAllowedHost(url: URL): boolean {
    if (this.allowedHosts.has(url.host)) return true;
    // URL.host drops the scheme's default port, so 'api.provider.example:443' must still match https://api.provider.example.
    const defaultPort = url.protocol === 'https:' ? '443' : '80';
    return url.port === '' && this.allowedHosts.has(`${url.hostname}:${defaultPort}`);
  }

  /** Exponential, with jitter between half and the full delay so queued retries do not arrive in step. */
  private backoff(attempt: number): number {
    const delay = this.options.retryBaseDelayMs * 2 ** attempt;
    return delay / 2 + Math.random() * (delay / 2);
  }

  private authorization(url: URL, start: URL): string | undefined {
    const { credentials } = this.options;
    // Same origin only: another host, another port or a drop to plain http never sees the secret.
    if (!credentials || url.origin !== start.origin) return undefined;
    return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  }

  private async attempt(start: URL): Promise<MediaFetchResult> {
    // Outside the try below: a client that cannot load is this process's fault, not a download to retry.
    const { fetch } = loadUndici();
    const dispatcher = this.dispatcher();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Timeout()), this.options.timeoutMs);
    let current = start;
    try {
      for (let redirects = 0; ; redirects++) {
        // identity: a Content-Length we can trust up front, and no gzip bomb decompressed behind our back.
        const headers: Record<string, string> = { accept: 'image/*,*/*;q=0.8', 'accept-encoding': 'identity' };
        const authorization = this.authorization(current, start);
        if (authorization) headers.authorization = authorization;

        const refused = await this.checkAddresses(current);
        if (refused) return refused;
        const response = await fetch(current, { redirect: 'manual', headers, signal: controller.signal, dispatcher });

        if (REDIRECT_STATUSES.has(response.status)) {
          await discard(response);
          const next = this.redirectTarget(response, current, redirects);
          if (!(next instanceof URL)) return next;
          current = next;
          continue;
        }
        if (response.status === 404) {
          await discard(response);
          return fail('not_found', `the media was not found at ${current.host} (HTTP 404)`);
        }
        if (!response.ok) {
          await discard(response);
          const retryable = response.status >= 500 || RETRYABLE_CLIENT_STATUSES.has(response.status);
          return fail('http_error', `${current.host} answered HTTP ${response.status}`, retryable);
        }
        return await this.readBody(response, current, controller);
      }
    } catch (error) {
      return this.networkFailure(error, controller, current);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Every hop, by every address its host resolves to: a link or a redirect to this machine, a private network or
   * link-local (cloud metadata) is refused before anything is sent. The connection checks again (checkedLookup).
   */
  private async checkAddresses(url: URL): Promise<MediaFetchFailure | null> {
    // 'host:port' allows that port only; a bare 'host' any port of it.
    if (this.privateAddressHosts.has(url.host) || this.privateAddressHosts.has(url.hostname)) return null;
    const hostname = url.hostname.replace(/^\[|\]$/g, '');
    let addresses: string[];
    try {
      addresses = isIP(hostname) ? [hostname] : await this.options.resolve(hostname);
    } catch {
      return fail('network', `could not find ${url.host}`, true);
    }
    const refused = addresses.length === 0 ? hostname : addresses.find(isPrivateAddress);
    return refused === undefined
      ? null
      : fail('address_not_allowed', `the media link leads to ${url.host} (${refused}), a private or local address`);
  }

  private redirectTarget(response: Undici.Response, current: URL, redirects: number): URL | MediaFetchFailure {
    if (redirects >= this.options.maxRedirects) {
      return fail('too_many_redirects', `${current.host} redirected more than ${this.options.maxRedirects} times`);
    }
    const location = response.headers.get('location');
    if (!location)
      return fail('http_error', `${current.host} answered HTTP ${response.status} without saying where to go`);
    let next: URL;
    try {
      next = new URL(location, current);
    } catch {
      return fail('http_error', `${current.host} redirected to an invalid address`);
    }
    if (!isWebUrl(next))
      return fail(
        'http_error',
        `${current.host} redirected to a ${next.protocol} link, only http and https are followed`,
      );
    if (next.username || next.password)
      return fail('http_error', `${current.host} redirected to a link containing a user name or password`);
    return next;
  }

  private async readBody(response: Undici.Response, url: URL, controller: AbortController): Promise<MediaFetchResult> {
    const { maxBytes } = this.options;
    const declaredLength = Number(response.headers.get('content-length') ?? Number.NaN);
    if (Number.isFinite(declaredLength) && declaredLength > maxBytes) {
      controller.abort(); // closes the socket instead of draining a body we refuse
      return fail('too_large', `the file is ${megabytes(declaredLength)}, more than the ${megabytes(maxBytes)} limit`);
    }
    const chunks: Buffer[] = [];
    let received = 0;
    if (response.body) {
      // Counted as it arrives: a missing or wrong Content-Length must not let an oversized body into memory.
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received += value.byteLength;
        if (received > maxBytes) {
          controller.abort();
          return fail('too_large', `the file is larger than the ${megabytes(maxBytes)} limit`);
        }
        chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      }
    }
    const declaredType = response.headers.get('content-type')?.split(';')[0].trim().toLowerCase() || null;
    return { ok: true, bytes: Buffer.concat(chunks, received), declaredType, finalUrl: url.href };
  }

  private networkFailure(error: unknown, controller: AbortController, url: URL): MediaFetchFailure {
    if (controller.signal.aborted && controller.signal.reason instanceof Timeout) {
      return fail(
        'network',
        `the download from ${url.host} took longer than ${this.options.timeoutMs / 1000} seconds`,
        true,
      );
    }
    // undici puts ECONNREFUSED etc. in `cause`; duck-typed because fetch's errors may come from another realm (jest VMs).
    const cause = isRecord(error) && isRecord(error.cause) ? error.cause : error;
    const code = isRecord(cause) && typeof cause.code === 'string' ? cause.code : undefined;
    const message = isRecord(cause) && typeof cause.message === 'string' ? cause.message : String(cause);
    if (code === ADDRESS_REFUSED) return fail('address_not_allowed', `the media link leads to ${url.host}: ${message}`);
    return fail('network', `could not download from ${url.host} (${code ?? message})`, true);
  }
}
