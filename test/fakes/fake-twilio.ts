/**
 * A local fake of the slice of the Twilio REST API that ticket-sms uses, for integration/e2e tests and
 * benchmarks. Plain `node:http`, no framework, so it stays cheap under load.
 *
 * ─── Pointing twilio-node v6 (6.2.0) at another base URL — the recipe the production provider uses ───
 *
 *   import twilio from 'twilio';
 *   const client = twilio(accountSid, authToken, { timeout: TWILIO_TIMEOUT_MS });
 *   client.api.baseUrl = TWILIO_API_URL;        // e.g. 'http://127.0.0.1:43121' — origin only, no '/2010-04-01'
 *   await client.messages.create({ to, from, body, statusCallback });
 *
 * Why it works (node_modules/twilio/lib): `client.api` is a lazily built, cached `Api` Domain
 * (rest/Twilio.js `get api()`, rest/ApiBase.js `super(twilio, "https://api.twilio.com")`), and
 * `Domain.absoluteUrl()` (base/Domain.js) reads the public, non-readonly `baseUrl` on every request, so
 * every v2010 resource (`client.messages`, `client.incomingPhoneNumbers`, `client.messages(sid).media(sid)`,
 * and list() paging, which resolves the relative `next_page_uri` through the same Domain) goes to the new
 * origin. A trailing slash is trimmed; a path prefix ('http://host/prefix') is kept. http:// works: axios
 * picks Node's http agent for http URLs (the SDK only customises the https agent).
 *
 * Timeout: the client option `timeout` (ms) becomes `RequestClient.defaultTimeout` (base/BaseTwilio.js
 * `get httpClient()` → base/RequestClient.js), which is passed to axios as the per-request `timeout`.
 * There is no per-call timeout on `messages.create()`. Default 30000 ms. On expiry axios rejects with an
 * AxiosError { name: 'AxiosError', code: 'ECONNABORTED', message: 'timeout of <ms>ms exceeded', status:
 * undefined, response: undefined } — the SDK rethrows axios errors untouched (RequestClient.request .catch).
 * Connection refused is also an AxiosError instance, but its `name` is copied from the socket error:
 * { name: 'Error', code: 'ECONNREFUSED', isAxiosError: true, message: 'connect ECONNREFUSED 127.0.0.1:<port>',
 * cause: { code: 'ECONNREFUSED', syscall: 'connect' }, status: undefined, response: undefined }.
 * HTTP errors (4xx/5xx incl. 429) are twilio.RestException { status: <http>, code: <twilio code>,
 * message: <body.message>, moreInfo: <body.more_info> } — no automatic 429 retry unless `autoRetry: true`.
 *
 * Caveats (the edge/region, httpClient-timeout and Authorization-in-error ones are checked in
 * fake-twilio.e2e-spec.ts):
 *  - Do NOT set `edge` / `region` (opts or TWILIO_EDGE / TWILIO_REGION env): BaseTwilio.request() rewrites
 *    the host name with getHostname() after the Domain built the URL — '127.0.0.1' becomes '127.us1.0.1'.
 *  - If you pass your own `httpClient`, the client-level `timeout` option is IGNORED (the RequestClient is
 *    only built from ClientOpts when no httpClient is given) — give the timeout to
 *    `new twilio.RequestClient({ timeout })` instead.
 *  - Only the `api` domain is redirected. Other domains (client.messaging, client.lookups, …) keep
 *    their own `baseUrl`.
 *  - Axios errors (timeout / ECONNREFUSED) carry `config.headers.Authorization` = 'Basic base64(sid:token)';
 *    never log them whole.
 *
 * The alternative that also works (and survives edge/region rewriting, since it runs after getHostname):
 *
 *   import type RequestClient from 'twilio/lib/base/RequestClient';
 *   class RedirectingClient extends twilio.RequestClient {
 *     constructor(private readonly base: string, opts?: RequestClient.RequestClientOptions) { super(opts); }
 *     override request<T>(opts: RequestClient.RequestOptions<T>) {
 *       const u = new URL(opts.uri);
 *       return super.request({ ...opts, uri: this.base + u.pathname + u.search });
 *     }
 *   }
 *   twilio(sid, token, { httpClient: new RedirectingClient(TWILIO_API_URL, { timeout: TWILIO_TIMEOUT_MS }) });
 *
 * ─── Wire format served here ───
 *  POST   /2010-04-01/Accounts/{AC}/Messages.json                  form: To, From | MessagingServiceSid, Body,
 *                                                                 MediaUrl (repeated), StatusCallback → 201
 *  GET    /2010-04-01/Accounts/{AC}/Messages.json?To=&From=&DateSent>=&DateSent<=&DateSent=&PageSize=&Page=
 *  GET    /2010-04-01/Accounts/{AC}/Messages/{SM}.json              DELETE → 204
 *  GET    /2010-04-01/Accounts/{AC}/Messages/{MM}/Media.json        {media_list: [...]}
 *  GET    /2010-04-01/Accounts/{AC}/Messages/{MM}/Media/{ME}        302 → CDN (or bytes with noRedirect)
 *  GET    /2010-04-01/Accounts/{AC}/Messages/{MM}/Media/{ME}.json   metadata; DELETE (either form) → 204
 *  GET    /2010-04-01/Accounts/{AC}/IncomingPhoneNumbers.json?PhoneNumber=
 * Everything on the API server needs HTTP basic auth (AccountSid:AuthToken), else 401 / 20003.
 * Errors are Twilio's legacy JSON `{code, message, more_info, status}`, which twilio-node turns into a
 * RestException { status, code, message, moreInfo } (not its RFC 9457 TwilioServiceException, which needs
 * `type` and `title`).
 *
 * Behaviour worth knowing:
 *  - The 201 answer says status 'queued' (or 'accepted' when only MessagingServiceSid was given, as Twilio
 *    does) with date_sent null. The STORED message then counts as sent at once (status 'sent',
 *    date_sent = date_created), so list()/fetch() see it and DateSent filters match it. Use
 *    `updateMessage()` to model other states. Real Twilio leaves date_sent null until the carrier took the
 *    message, so a DateSent filter can miss a message that is still queued.
 *  - num_segments is a string: '1' for MMS (any MediaUrl), else
 *    `new SegmentedMessage(body, 'auto', false).segmentsCount`.
 *  - `+` in a query string or form value decodes to a space; phone-number fields that start with a space
 *    followed by a digit are read as '+…', so hand-written `?PhoneNumber=+1555…` works like Twilio.
 *  - reset() puts the fake back to just-started: cues, latency, requests, CDN requests, messages, media and
 *    owned numbers are all cleared (credentials and ports stay).
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { SegmentedMessage } from 'sms-segments-calculator';
import twilio from 'twilio';
import { basicCredentials, FakeHttp } from './fake-http';

// Plain ASCII that is all in the GSM-7 basic set (no escapes): up to 160 of it is one segment for certain. The calculator
// (grapheme splitting) costs the fake more than the rest of a Messages.json POST, and benches send thousands of these.
const ONE_PLAIN_SEGMENT = /^[A-Za-z0-9 !"#%&'()*+,\-./:;<=>?@$_\n\r]{1,160}$/;

function segmentsOf(body: string): string {
  return ONE_PLAIN_SEGMENT.test(body) ? '1' : String(new SegmentedMessage(body, 'auto', false).segmentsCount);
}

export const DEFAULT_ACCOUNT_SID = 'AC' + '0'.repeat(31) + '1';
export const DEFAULT_AUTH_TOKEN = 'fa4e0000c0ffee0000dec0de0000beef';
const API_VERSION = '2010-04-01';

export interface FakeTwilioOptions {
  accountSid?: string;
  authToken?: string;
  /** API server port on 127.0.0.1; 0 / omitted = any free port. */
  port?: number;
  /** "CDN" server port (served on localhost); 0 / omitted = any free port. */
  cdnPort?: number;
  /** Keep every API request in `requests` (default true). Turn off for long benchmarks. */
  recordRequests?: boolean;
}

/** A parsed form body or query string: repeated keys become arrays, single ones stay strings. */
export type FormParams = Record<string, string | string[]>;

export interface RecordedRequest {
  /** 1-based arrival order. */
  seq: number;
  method: string;
  /** Path without the query string. */
  path: string;
  /** Path with the query string, as received. */
  url: string;
  query: FormParams;
  headers: IncomingHttpHeaders;
  /** Parsed application/x-www-form-urlencoded body ({} otherwise). */
  form: FormParams;
  rawBody: string;
  /** Arrival time, epoch ms. */
  time: number;
  /** True when basic auth matched this fake's AccountSid:AuthToken. */
  authorized: boolean;
  /** Status the fake answered with; undefined while delayed, and for ever when hung. */
  status?: number;
  /** True when a hangNext() cue swallowed this request. */
  hung?: boolean;
}

export interface CdnRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Whether an Authorization header reached the CDN (it never should). */
  hadAuthorization: boolean;
  time: number;
  status: number;
}

/** A Message resource as Twilio serialises it. */
export interface TwilioMessageJson {
  sid: string;
  account_sid: string;
  api_version: string;
  messaging_service_sid: string | null;
  to: string;
  from: string | null;
  body: string;
  status: string;
  direction: string;
  num_segments: string;
  num_media: string;
  date_created: string;
  date_updated: string;
  date_sent: string | null;
  error_code: number | null;
  error_message: string | null;
  price: string | null;
  price_unit: string;
  uri: string;
  subresource_uris: Record<string, string>;
}

/** A Messages.json POST that created a message, parsed. */
export interface SentMessage {
  sid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  mediaUrls: string[];
  statusCallback: string | null;
  numSegments: string;
  /** The whole form as posted. */
  form: FormParams;
  createdAt: Date;
  /** What the client got: 201, or the 500/503 of a `createdAnyway` cue, or null when hung. */
  responseStatus: number | null;
  request: RecordedRequest;
}

export interface FailOptions {
  status: 429 | 500 | 503 | 400;
  /** Twilio error code; defaults 429→20429, 500→20500, 503→20503, 400→21211. */
  code?: number;
  message?: string;
  /** Only for 500/503: the message IS created although the client sees an error (the ambiguous case). */
  createdAnyway?: boolean;
}

export interface HangOptions {
  /** The message IS created although no answer ever comes. */
  createdAnyway?: boolean;
}

export interface MediaOptions {
  contentType: string;
  body: Buffer;
  /** Answer 404 to the first n authorised GETs, as Twilio does for a moment after the webhook. */
  notFoundTimes?: number;
  /** Serve the bytes from the media URL itself instead of redirecting to the CDN. */
  noRedirect?: boolean;
  /** Redirect here instead of to the CDN, as a compromised or hostile media host would. */
  redirectTo?: string;
}

export interface OwnNumberOptions {
  friendlyName?: string;
  smsUrl?: string;
}

export interface TwilioErrorJson {
  code: number;
  message: string;
  more_info: string;
  status: number;
}

type Cue = ({ kind: 'fail' } & FailOptions) | ({ kind: 'hang' } & HangOptions) | { kind: 'late'; ms: number };

interface MediaRecord {
  sid: string;
  messageSid: string;
  contentType: string;
  body: Buffer;
  notFoundRemaining: number;
  noRedirect: boolean;
  redirectTo?: string;
  cdnToken: string;
  dateCreated: string;
}

interface NumberRecord {
  sid: string;
  phoneNumber: string;
  friendlyName: string;
  smsUrl: string;
  dateCreated: string;
}

const DEFAULT_ERRORS: Record<FailOptions['status'], { code: number; message: string }> = {
  429: { code: 20429, message: 'Too Many Requests' },
  500: { code: 20500, message: 'An internal server error has occurred' },
  503: { code: 20503, message: 'Service Unavailable' },
  400: { code: 21211, message: "The 'To' number is not a valid phone number." },
};

const PHONE_FIELDS = new Set(['To', 'From', 'PhoneNumber']);
const E164 = /^\+[1-9]\d{6,14}$/;

const ROUTES = {
  messages: /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/,
  message: /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\/([^/]+)\.json$/,
  mediaList: /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\/([^/]+)\/Media\.json$/,
  media: /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\/([^/]+)\/Media\/([^/.]+)(\.json)?$/,
  numbers: /^\/2010-04-01\/Accounts\/([^/]+)\/IncomingPhoneNumbers\.json$/,
};

/** Twilio's RFC 2822 timestamp: 'Thu, 30 Jul 2015 20:12:31 +0000'. */
export function rfc2822(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}

function newSid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex');
}

/** RFC 3986 encoding as `qs` does it (what the SDK uses for form bodies): also escapes ! ' ( ) *. */
function encodeFormComponent(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/**
 * URL-encodes a form body the way twilio-node does (`qs.stringify(data, { arrayFormat: 'repeat' })`):
 * arrays become repeated keys, keys keep their order.
 */
export function twilioForm(params: Record<string, string | string[]>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      parts.push(`${encodeFormComponent(key)}=${encodeFormComponent(v)}`);
    }
  }
  return parts.join('&');
}

/**
 * The X-Twilio-Signature Twilio would send for a form POST of `params` to `url` (the full URL, query
 * included). Built on the SDK's own `twilio.getExpectedTwilioSignature`.
 */
export function signTwilioRequest(authToken: string, url: string, params: Record<string, string | string[]>): string {
  return twilio.getExpectedTwilioSignature(authToken, url, params);
}

function parseForm(text: string): FormParams {
  const out: FormParams = {};
  for (const [key, raw] of new URLSearchParams(text)) {
    const value = PHONE_FIELDS.has(key) && /^ \d/.test(raw) ? '+' + raw.slice(1) : raw;
    const prev = out[key];
    if (prev === undefined) out[key] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[key] = [prev, value];
  }
  return out;
}

function first(params: FormParams, key: string): string | undefined {
  const v = params[key];
  return Array.isArray(v) ? v[0] : v;
}

function all(params: FormParams, key: string): string[] {
  const v = params[key];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function twilioError(status: number, code: number, message: string): TwilioErrorJson {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

const DAY_MS = 86_400_000;

/**
 * Parses a DateSent filter value into [start, endExclusive): 'YYYY-MM-DD' is that whole UTC day, an
 * ISO 8601 date-time (what twilio-node sends, second precision) is that one second.
 */
function parseDateFilter(value: string): { start: number; endExclusive: number } | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const start = Date.parse(value + 'T00:00:00Z');
    return Number.isNaN(start) ? undefined : { start, endExclusive: start + DAY_MS };
  }
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : { start: t, endExclusive: t + 1000 };
}

export class FakeTwilio {
  readonly accountSid: string;
  readonly authToken: string;
  /** Every API request (not the CDN), in arrival order. */
  readonly requests: RecordedRequest[] = [];
  /** Every request the CDN received. */
  readonly cdnRequests: CdnRequest[] = [];

  private readonly http = new FakeHttp();
  private apiPort = 0;
  private cdnPortNumber = 0;
  private readonly recordRequests: boolean;
  private seq = 0;
  private cues: Cue[] = [];
  private readonly rejected = new Map<string, 21211 | 21610>();
  private readonly messages = new Map<string, { json: TwilioMessageJson; sent: SentMessage }>();
  private readonly media = new Map<string, MediaRecord>();
  private readonly mediaByToken = new Map<string, MediaRecord>();
  private readonly numbers = new Map<string, NumberRecord>();

  private constructor(opts: FakeTwilioOptions) {
    this.accountSid = opts.accountSid ?? DEFAULT_ACCOUNT_SID;
    this.authToken = opts.authToken ?? DEFAULT_AUTH_TOKEN;
    this.recordRequests = opts.recordRequests ?? true;
  }

  static async start(opts: FakeTwilioOptions = {}): Promise<FakeTwilio> {
    const fake = new FakeTwilio(opts);
    fake.apiPort = await fake.http.serveApi(
      (req, res, rawBody) => fake.onApiRequest(req, res, rawBody),
      opts.port ?? 0,
    );
    fake.cdnPortNumber = await fake.http.serveLocalhost((req, res) => fake.onCdnRequest(req, res), opts.cdnPort ?? 0);
    return fake;
  }

  /** http://127.0.0.1:{port} — use as `client.api.baseUrl` / TWILIO_API_URL. */
  get url(): string {
    return `http://127.0.0.1:${this.apiPort}`;
  }

  get port(): number {
    return this.apiPort;
  }

  /** http://localhost:{cdnPort} — a different host name from `url`, like Twilio's media CDN. */
  get cdnUrl(): string {
    return `http://localhost:${this.cdnPortNumber}`;
  }

  get cdnPort(): number {
    return this.cdnPortNumber;
  }

  /** '/2010-04-01/Accounts/{AC}' */
  get accountPath(): string {
    return `/${API_VERSION}/Accounts/${this.accountSid}`;
  }

  /** 'Basic base64(AccountSid:AuthToken)', for hand-made requests. */
  get basicAuth(): string {
    return 'Basic ' + Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64');
  }

  /**
   * A twilio-node client pointed at this fake with the recipe documented at the top of this file.
   * `opts.timeout` is the per-request timeout in ms.
   */
  sdkClient(opts: twilio.ClientOpts = {}): twilio.Twilio {
    const client = twilio(this.accountSid, this.authToken, opts);
    client.api.baseUrl = this.url;
    return client;
  }

  // ─── cues ───────────────────────────────────────────────────────────────────────────────────────────

  /** Answer the next n Messages.json POSTs with this error (after the auth check). */
  failNext(n: number, opts: FailOptions): this {
    if (opts.createdAnyway && opts.status !== 500 && opts.status !== 503) {
      throw new Error('createdAnyway only makes sense with status 500 or 503');
    }
    for (let i = 0; i < n; i++) this.cues.push({ kind: 'fail', ...opts });
    return this;
  }

  /** Accept the next n Messages.json POSTs and never answer (until the client gives up or close()). */
  hangNext(n: number, opts: HangOptions = {}): this {
    for (let i = 0; i < n; i++) this.cues.push({ kind: 'hang', ...opts });
    return this;
  }

  /**
   * Take the next n Messages.json POSTs only `ms` after they arrive, as if they were still on their way: nothing is
   * created and a lookup finds nothing until then; then each is handled as usual.
   */
  arriveLate(n: number, ms: number): this {
    for (let i = 0; i < n; i++) this.cues.push({ kind: 'late', ms });
    return this;
  }

  /** Every send to `e164` fails with 21211 (invalid 'To') or 21610 (recipient opted out / STOP), HTTP 400. */
  rejectRecipient(e164: string, code: 21211 | 21610): this {
    this.rejected.set(e164, code);
    return this;
  }

  /** Delay every API answer by `ms` (0 = none). The CDN is not delayed. */
  setLatency(ms: number): this {
    this.http.latencyMs = Math.max(0, ms);
    return this;
  }

  /** Back to just-started: cues, latency, rejections, records, messages, media and owned numbers. */
  reset(): void {
    this.cues = [];
    this.http.latencyMs = 0;
    this.rejected.clear();
    this.requests.length = 0;
    this.cdnRequests.length = 0;
    this.messages.clear();
    this.media.clear();
    this.mediaByToken.clear();
    this.numbers.clear();
    this.seq = 0;
  }

  // ─── state ──────────────────────────────────────────────────────────────────────────────────────────

  /** Register a number as belonging to the account (IncomingPhoneNumbers). Returns its PN sid. */
  ownNumber(e164: string, opts: OwnNumberOptions = {}): string {
    const existing = this.numbers.get(e164);
    if (existing) return existing.sid;
    const rec: NumberRecord = {
      sid: newSid('PN'),
      phoneNumber: e164,
      friendlyName: opts.friendlyName ?? e164,
      smsUrl: opts.smsUrl ?? '',
      dateCreated: rfc2822(new Date()),
    };
    this.numbers.set(e164, rec);
    return rec.sid;
  }

  /** The number leaves the account (released or ported away): IncomingPhoneNumbers no longer lists it. */
  releaseNumber(e164: string): this {
    this.numbers.delete(e164);
    return this;
  }

  /**
   * Attach media to a (usually inbound, MM…) message. Returns the Twilio-style media URL
   * http://127.0.0.1:{port}/2010-04-01/Accounts/{AC}/Messages/{MM}/Media/{ME}.
   */
  addMedia(messageSid: string, opts: MediaOptions): string {
    const rec: MediaRecord = {
      sid: newSid('ME'),
      messageSid,
      contentType: opts.contentType,
      body: opts.body,
      notFoundRemaining: opts.notFoundTimes ?? 0,
      noRedirect: opts.noRedirect ?? false,
      redirectTo: opts.redirectTo,
      cdnToken: randomBytes(16).toString('hex'),
      dateCreated: rfc2822(new Date()),
    };
    this.media.set(rec.sid, rec);
    this.mediaByToken.set(rec.cdnToken, rec);
    return `${this.url}${this.accountPath}/Messages/${messageSid}/Media/${rec.sid}`;
  }

  /** Whether the media (by ME sid or media URL) still exists, i.e. was not DELETEd. */
  hasMedia(sidOrUrl: string): boolean {
    const sid = sidOrUrl.match(/(ME[0-9a-f]{32})/)?.[1] ?? sidOrUrl;
    return this.media.has(sid);
  }

  /** The messages created through Messages.json POSTs (incl. `createdAnyway` ones), oldest first. */
  sentMessages(): SentMessage[] {
    return [...this.messages.values()].map((m) => m.sent);
  }

  /** How many messages were created, without copying them (for polling under load). */
  sentCount(): number {
    return this.messages.size;
  }

  /** Every Messages.json POST that reached the fake, whatever the answer (for counting retries). */
  sendAttempts(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && ROUTES.messages.test(r.path));
  }

  /** The stored Message resource, as list()/fetch() would return it. */
  message(sid: string): TwilioMessageJson | undefined {
    return this.messages.get(sid)?.json;
  }

  /** Change a stored message (status, date_sent, error_code…) as later list()/fetch() should see it. */
  updateMessage(sid: string, patch: Partial<TwilioMessageJson>): void {
    const m = this.messages.get(sid);
    if (!m) throw new Error(`no message ${sid}`);
    Object.assign(m.json, patch, { date_updated: patch.date_updated ?? rfc2822(new Date()) });
  }

  close(): Promise<void> {
    return this.http.close();
  }

  // ─── API server ─────────────────────────────────────────────────────────────────────────────────────

  private onApiRequest(req: IncomingMessage, res: ServerResponse, rawBody: string): void {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const isForm = (req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded');
    const rec: RecordedRequest = {
      seq: ++this.seq,
      method: req.method ?? 'GET',
      path,
      url: rawUrl,
      query: parseForm(q < 0 ? '' : rawUrl.slice(q + 1)),
      headers: { ...req.headers },
      form: isForm ? parseForm(rawBody) : {},
      rawBody,
      time: Date.now(),
      authorized: this.isAuthorized(req.headers.authorization),
    };
    if (this.recordRequests) this.requests.push(rec);
    this.route(rec, res);
  }

  private isAuthorized(header: string | undefined): boolean {
    const credentials = basicCredentials(header);
    return credentials?.user === this.accountSid && credentials.password === this.authToken;
  }

  /** Answers after the configured latency. */
  private send(
    rec: RecordedRequest,
    res: ServerResponse,
    status: number,
    body?: unknown,
    headers: http.OutgoingHttpHeaders = {},
  ): void {
    const write = (): void => {
      rec.status = status;
      if (res.destroyed) return;
      const out: http.OutgoingHttpHeaders = { 'twilio-request-id': newSid('RQ'), ...headers };
      let payload: Buffer | string | undefined;
      if (Buffer.isBuffer(body)) payload = body;
      else if (body !== undefined) {
        payload = JSON.stringify(body);
        out['content-type'] = 'application/json; charset=utf-8';
      }
      if (payload !== undefined) out['content-length'] = Buffer.byteLength(payload);
      res.writeHead(status, out);
      res.end(rec.method === 'HEAD' ? undefined : payload);
    };
    this.http.later(write);
  }

  private sendError(rec: RecordedRequest, res: ServerResponse, status: number, code: number, message: string): void {
    const headers: http.OutgoingHttpHeaders = status === 401 ? { 'www-authenticate': 'Basic realm="Twilio API"' } : {};
    this.send(rec, res, status, twilioError(status, code, message), headers);
  }

  private notFound(rec: RecordedRequest, res: ServerResponse): void {
    this.sendError(rec, res, 404, 20404, `The requested resource ${rec.path} was not found`);
  }

  private route(rec: RecordedRequest, res: ServerResponse): void {
    const match = (Object.keys(ROUTES) as (keyof typeof ROUTES)[])
      .map((name) => ({ name, m: ROUTES[name].exec(rec.path) }))
      .find((x) => x.m !== null);
    if (!match?.m) return this.notFound(rec, res);
    if (!rec.authorized) return this.sendError(rec, res, 401, 20003, 'Authenticate');
    const [, account, a, b, json] = match.m;
    if (account !== this.accountSid) return this.notFound(rec, res);
    const method = rec.method;
    const allow = (...methods: string[]): boolean => {
      if (methods.includes(method)) return true;
      this.sendError(rec, res, 405, 20004, 'Method not allowed');
      return false;
    };
    switch (match.name) {
      case 'messages':
        if (!allow('POST', 'GET')) return;
        return method === 'POST' ? this.createMessage(rec, res) : this.listMessages(rec, res);
      case 'message': {
        if (!allow('GET', 'DELETE')) return;
        const m = this.messages.get(a);
        if (!m) return this.notFound(rec, res);
        if (method === 'DELETE') {
          this.messages.delete(a);
          return this.send(rec, res, 204);
        }
        return this.send(rec, res, 200, m.json);
      }
      case 'mediaList': {
        if (!allow('GET')) return;
        const items = [...this.media.values()].filter((x) => x.messageSid === a).map((x) => this.mediaJson(x));
        return this.send(
          rec,
          res,
          200,
          this.pageEnvelope('media_list', items, rec, `${this.accountPath}/Messages/${a}/Media.json`, {}),
        );
      }
      case 'media':
        if (!allow('GET', 'HEAD', 'DELETE')) return;
        return this.serveMedia(rec, res, a, b, json !== undefined);
      case 'numbers':
        if (!allow('GET')) return;
        return this.listNumbers(rec, res);
    }
  }

  private createMessage(rec: RecordedRequest, res: ServerResponse, late = false): void {
    const form = rec.form;
    const cue = late ? undefined : this.cues.shift();
    if (cue?.kind === 'late') {
      setTimeout(() => this.createMessage(rec, res, true), cue.ms);
      return;
    }
    if (cue?.kind === 'fail') {
      const d = DEFAULT_ERRORS[cue.status];
      if (cue.createdAnyway) this.storeMessage(rec, cue.status);
      return this.sendError(rec, res, cue.status, cue.code ?? d.code, cue.message ?? d.message);
    }
    if (cue?.kind === 'hang') {
      rec.hung = true;
      if (cue.createdAnyway) this.storeMessage(rec, null);
      return; // never answered; close() or the client's timeout ends the socket
    }
    const to = first(form, 'To') ?? '';
    const from = first(form, 'From');
    const service = first(form, 'MessagingServiceSid');
    const body = first(form, 'Body') ?? '';
    const mediaUrls = all(form, 'MediaUrl');
    if (!to) return this.sendError(rec, res, 400, 21604, "A 'To' phone number is required.");
    const rejection = this.rejected.get(to);
    if (rejection === 21610) return this.sendError(rec, res, 400, 21610, 'Attempt to send to unsubscribed recipient');
    if (rejection === 21211 || !E164.test(to)) {
      return this.sendError(rec, res, 400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    }
    if (!from && !service)
      return this.sendError(
        rec,
        res,
        400,
        21603,
        "A 'From' or 'MessagingServiceSid' parameter is required to send a message",
      );
    if (!body && mediaUrls.length === 0) return this.sendError(rec, res, 400, 21602, 'Message body is required.');
    if (body.length > 1600)
      return this.sendError(rec, res, 400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
    const { json } = this.storeMessage(rec, 201);
    const answer: TwilioMessageJson = { ...json, status: from ? 'queued' : 'accepted', date_sent: null };
    this.send(rec, res, 201, answer);
  }

  /** Stores the message as already sent (see the header comment). */
  private storeMessage(
    rec: RecordedRequest,
    responseStatus: number | null,
  ): { json: TwilioMessageJson; sent: SentMessage } {
    const form = rec.form;
    const sid = newSid('SM');
    const now = new Date();
    const date = rfc2822(now);
    const body = first(form, 'Body') ?? '';
    const mediaUrls = all(form, 'MediaUrl');
    const from = first(form, 'From') ?? null;
    const service = first(form, 'MessagingServiceSid') ?? null;
    const numSegments = mediaUrls.length > 0 ? '1' : segmentsOf(body);
    const uri = `${this.accountPath}/Messages/${sid}.json`;
    const json: TwilioMessageJson = {
      sid,
      account_sid: this.accountSid,
      api_version: API_VERSION,
      messaging_service_sid: service,
      to: first(form, 'To') ?? '',
      from,
      body,
      status: 'sent',
      direction: 'outbound-api',
      num_segments: numSegments,
      num_media: String(mediaUrls.length),
      date_created: date,
      date_updated: date,
      date_sent: date,
      error_code: null,
      error_message: null,
      price: null,
      price_unit: 'USD',
      uri,
      subresource_uris: {
        media: `${this.accountPath}/Messages/${sid}/Media.json`,
        feedback: `${this.accountPath}/Messages/${sid}/Feedback.json`,
      },
    };
    const sent: SentMessage = {
      sid,
      to: json.to,
      from,
      messagingServiceSid: service,
      body,
      mediaUrls,
      statusCallback: first(form, 'StatusCallback') ?? null,
      numSegments,
      form,
      createdAt: now,
      responseStatus,
      request: rec,
    };
    const entry = { json, sent };
    this.messages.set(sid, entry);
    return entry;
  }

  private listMessages(rec: RecordedRequest, res: ServerResponse): void {
    const q = rec.query;
    const filters: Record<string, string> = {};
    for (const key of ['To', 'From', 'DateSent', 'DateSent<', 'DateSent>']) {
      const v = first(q, key);
      if (v !== undefined) filters[key] = v;
    }
    const ranges: Partial<Record<'DateSent' | 'DateSent<' | 'DateSent>', { start: number; endExclusive: number }>> = {};
    for (const key of ['DateSent', 'DateSent<', 'DateSent>'] as const) {
      if (filters[key] === undefined) continue;
      const r = parseDateFilter(filters[key]);
      if (!r) return this.sendError(rec, res, 400, 20001, `Invalid value for ${key}: ${filters[key]}`);
      ranges[key] = r;
    }
    const items = [...this.messages.values()]
      .map((m) => m.json)
      .filter((m) => {
        if (filters.To !== undefined && m.to !== filters.To) return false;
        if (filters.From !== undefined && m.from !== filters.From) return false;
        if (ranges.DateSent || ranges['DateSent<'] || ranges['DateSent>']) {
          if (m.date_sent === null) return false;
          const t = Date.parse(m.date_sent);
          const on = ranges.DateSent;
          const after = ranges['DateSent>'];
          const before = ranges['DateSent<'];
          // DateSent = that UTC day; DateSent> / DateSent< are inclusive ("on or after" / "on or before").
          if (on) {
            const day = Math.floor(on.start / DAY_MS) * DAY_MS;
            if (t < day || t >= day + DAY_MS) return false;
          }
          if (after && t < after.start) return false;
          if (before && t >= before.endExclusive) return false;
        }
        return true;
      })
      .reverse(); // newest first, like Twilio
    this.send(rec, res, 200, this.pageEnvelope('messages', items, rec, `${this.accountPath}/Messages.json`, filters));
  }

  private listNumbers(rec: RecordedRequest, res: ServerResponse): void {
    const wanted = first(rec.query, 'PhoneNumber');
    // Twilio matches partial numbers and '*' as any one digit.
    const pattern =
      wanted === undefined ? undefined : new RegExp(wanted.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '\\d'));
    const items = [...this.numbers.values()]
      .filter((n) => !pattern || pattern.test(n.phoneNumber))
      .map((n) => this.numberJson(n));
    const filters: Record<string, string> = wanted === undefined ? {} : { PhoneNumber: wanted };
    this.send(
      rec,
      res,
      200,
      this.pageEnvelope('incoming_phone_numbers', items, rec, `${this.accountPath}/IncomingPhoneNumbers.json`, filters),
    );
  }

  /** Twilio's v2010 paging envelope; twilio-node's Page follows the relative `next_page_uri`. */
  private pageEnvelope<T>(
    key: string,
    items: T[],
    rec: RecordedRequest,
    base: string,
    filters: Record<string, string>,
  ): Record<string, unknown> {
    const pageSize = Math.min(1000, Math.max(1, Number(first(rec.query, 'PageSize') ?? 50) || 50));
    const page = Math.max(0, Number(first(rec.query, 'Page') ?? 0) || 0);
    const start = page * pageSize;
    const slice = items.slice(start, start + pageSize);
    const pageUri = (p: number, token?: string): string => {
      const qs = new URLSearchParams(filters);
      qs.set('PageSize', String(pageSize));
      qs.set('Page', String(p));
      if (token) qs.set('PageToken', token);
      return `${base}?${qs.toString()}`;
    };
    const more = start + pageSize < items.length;
    return {
      first_page_uri: pageUri(0),
      end: slice.length === 0 ? start : start + slice.length - 1,
      previous_page_uri: page > 0 ? pageUri(page - 1, `PB${start}`) : null,
      [key]: slice,
      uri: pageUri(page, first(rec.query, 'PageToken')),
      page_size: pageSize,
      start,
      next_page_uri: more ? pageUri(page + 1, `PA${start + pageSize}`) : null,
      page,
    };
  }

  private numberJson(n: NumberRecord): Record<string, unknown> {
    return {
      sid: n.sid,
      account_sid: this.accountSid,
      api_version: API_VERSION,
      phone_number: n.phoneNumber,
      friendly_name: n.friendlyName,
      capabilities: { voice: true, sms: true, mms: true, fax: false },
      status: 'in-use',
      origin: 'twilio',
      sms_url: n.smsUrl,
      sms_method: 'POST',
      sms_fallback_url: '',
      sms_fallback_method: 'POST',
      status_callback: '',
      status_callback_method: 'POST',
      date_created: n.dateCreated,
      date_updated: n.dateCreated,
      uri: `${this.accountPath}/IncomingPhoneNumbers/${n.sid}.json`,
    };
  }

  private mediaJson(m: MediaRecord): Record<string, unknown> {
    return {
      sid: m.sid,
      account_sid: this.accountSid,
      parent_sid: m.messageSid,
      content_type: m.contentType,
      date_created: m.dateCreated,
      date_updated: m.dateCreated,
      uri: `${this.accountPath}/Messages/${m.messageSid}/Media/${m.sid}.json`,
    };
  }

  private serveMedia(
    rec: RecordedRequest,
    res: ServerResponse,
    messageSid: string,
    mediaSid: string,
    asJson: boolean,
  ): void {
    const m = this.media.get(mediaSid);
    if (!m || m.messageSid !== messageSid) return this.notFound(rec, res);
    if (rec.method === 'DELETE') {
      this.media.delete(m.sid);
      this.mediaByToken.delete(m.cdnToken);
      return this.send(rec, res, 204);
    }
    if (asJson) return this.send(rec, res, 200, this.mediaJson(m));
    if (m.notFoundRemaining > 0) {
      m.notFoundRemaining--;
      return this.notFound(rec, res);
    }
    if (m.noRedirect) {
      return this.send(rec, res, 200, m.body, { 'content-type': m.contentType });
    }
    const location =
      m.redirectTo ?? `${this.cdnUrl}/media/${m.cdnToken}?Expires=${Math.floor(Date.now() / 1000) + 3600}`;
    this.send(rec, res, 302, undefined, { location, 'content-length': 0 });
  }

  // ─── CDN server ─────────────────────────────────────────────────────────────────────────────────────

  private onCdnRequest(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    req.on('end', () => {
      const rawUrl = req.url ?? '/';
      const path = rawUrl.split('?')[0];
      const token = /^\/media\/([0-9a-f]{32})$/.exec(path)?.[1];
      const m = token ? this.mediaByToken.get(token) : undefined;
      const ok = m !== undefined && (req.method === 'GET' || req.method === 'HEAD');
      const status = ok ? 200 : m ? 405 : 404;
      this.cdnRequests.push({
        method: req.method ?? 'GET',
        path,
        headers: { ...req.headers },
        hadAuthorization: req.headers.authorization !== undefined,
        time: Date.now(),
        status,
      });
      if (!ok) {
        const text = status === 404 ? 'NoSuchKey' : 'MethodNotAllowed';
        res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(text) });
        res.end(text);
        return;
      }
      res.writeHead(200, {
        'content-type': m.contentType,
        'content-length': m.body.length,
        'cache-control': 'private, max-age=3600',
      });
      res.end(req.method === 'HEAD' ? undefined : m.body);
    });
  }
}
