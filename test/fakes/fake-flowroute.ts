/**
 * A local fake of the slice of Flowroute's Messages API v2.1 that ticket-sms uses, plus a media host that
 * serves inbound MMS attachments the way Flowroute's storage bucket does. Plain `node:http`.
 *
 * ─── Wire format served here (base URL = `url`, e.g. http://127.0.0.1:41234/v2.1) ───
 *  POST /v2.1/messages        JSON {to, from, body, media_urls?, is_mms?, dlr_callback?}; 11-digit NANP without '+'
 *                             → 202 {data: {id: 'mdr2-…', type: 'message', links: {self}}}
 *  GET  /v2.1/messages/{id}   → 200 {data: MDR} (only the account's own records), 404 otherwise
 *  GET  /v2.1/messages?start_date=&end_date=&limit=&offset=   → 200 {data: [MDR…], links: {next}}, newest first
 *  GET  /v2/numbers?starts_with=&ends_with=&contains=&limit=&offset=   Numbers API (v2): the account's numbers
 *                             → 200 {data: [{id: '12065551234', type: 'number', attributes: {value, …}}], links: {next}}
 *  GET  /v2/numbers/{id}      → 200 {data: number} for a number on the account, 404 otherwise
 * Every API request needs HTTP basic auth, access key : secret key, of an account added with addAccount();
 * else 401. Errors are JSON:API error arrays: {errors: [{id, status, title, detail}]}.
 * Bodies are read as JSON whether they come as application/json or application/vnd.api+json.
 *
 * Media host (`mediaUrl`, on 'localhost', a different host from the API like Flowroute's S3 bucket):
 *  GET  /flowroute-messaging-media/{token}   → the bytes, no auth (Flowroute's media links are public)
 *
 * Behaviour worth knowing:
 *  - A 202 stores the message; list()/lookup see it at once with status 'message buffered'.
 *  - failNext(n, {status}) answers the next n POSTs with that error; `createdAnyway` (500/503 only) stores
 *    the message first, like a server that sent it and then failed to answer. hangNext() never answers.
 *  - Body texts above 1,600 characters, numbers that are not 11 digits starting with 1, a missing body
 *    without media, and (when ownNumber() was used for the account) a `from` it does not own are refused.
 *  - failLookupsNext(n, status) answers the next n Numbers API requests with that error.
 *  - Until ownNumber() is used for an account, its numbers API lists every NANP number asked for by id (and sends
 *    from any); once it is used, only the numbers registered.
 *  - reset() clears cues, latency, requests, messages, media, rejections and owned numbers (accounts stay).
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { basicCredentials, FakeHttp } from './fake-http';

export const DEFAULT_ACCESS_KEY = '38881230';
export const DEFAULT_SECRET_KEY = 'f1c4d9e2b7a8403c9d5e6f7a8b9c0d1e';
const API_PREFIX = '/v2.1';
const NUMBERS_PREFIX = '/v2/numbers';

export interface FakeFlowrouteOptions {
  /** Credentials of the first account; more can be added with addAccount(). */
  accessKey?: string;
  secretKey?: string;
  /** API port on 127.0.0.1; 0 / omitted = any free port. */
  port?: number;
  /** Keep every API request in `requests` (default true). */
  recordRequests?: boolean;
}

export interface FlowrouteRequest {
  seq: number;
  method: string;
  path: string;
  url: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** Parsed JSON body, or undefined when there was none or it did not parse. */
  json: unknown;
  time: number;
  /** Access key of the account the basic auth matched; null when it matched none. */
  accessKey: string | null;
  /** Status the fake answered with; undefined while delayed or hung. */
  status?: number;
  hung?: boolean;
}

export interface FlowrouteSentMessage {
  id: string;
  accessKey: string;
  to: string;
  from: string;
  body: string;
  mediaUrls: string[];
  isMms: boolean;
  dlrCallback: string | null;
  createdAt: Date;
  /** 202, the error status of a createdAnyway cue, or null for a hung request. */
  responseStatus: number | null;
  request: FlowrouteRequest;
}

export interface FlowrouteFailOptions {
  status: 400 | 401 | 403 | 422 | 429 | 500 | 503;
  detail?: string;
  /** Store the message although the answer is an error (500/503 only). */
  createdAnyway?: boolean;
}

export interface FlowrouteMediaOptions {
  contentType: string;
  body: Buffer;
  fileName?: string;
}

export interface FlowrouteMediaRequest {
  method: string;
  path: string;
  hadAuthorization: boolean;
  status: number;
  time: number;
}

/** One JSON:API error object as Flowroute returns it. */
export interface FlowrouteErrorJson {
  id: string;
  status: number;
  title: string;
  detail: string;
}

type Cue = ({ kind: 'fail' } & FlowrouteFailOptions) | { kind: 'hang'; createdAnyway?: boolean };

interface MediaRecord {
  token: string;
  contentType: string;
  body: Buffer;
  fileName: string;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

const DEFAULT_DETAILS: Record<FlowrouteFailOptions['status'], string> = {
  400: 'The request could not be understood',
  401: 'Authentication failed',
  403: 'You are not allowed to send from this number',
  422: 'The message could not be processed',
  429: 'Too many requests: your messaging has been throttled',
  500: 'An internal error occurred',
  503: 'The service is temporarily unavailable',
};

const NANP = /^1\d{10}$/;
const MAX_BODY = 1600;

function mdrId(): string {
  return `mdr2-${randomBytes(16).toString('hex')}`;
}

export function flowrouteError(status: number, detail: string): { errors: FlowrouteErrorJson[] } {
  return { errors: [{ id: randomBytes(8).toString('hex'), status, title: TITLES[status] ?? 'Error', detail }] };
}

/** 'Basic base64(accessKey:secretKey)', for hand-made requests. */
export function flowrouteBasicAuth(accessKey: string, secretKey: string): string {
  return 'Basic ' + Buffer.from(`${accessKey}:${secretKey}`).toString('base64');
}

export interface InboundMediaItem {
  url: string;
  mimeType: string;
  fileSize: number;
  fileName?: string;
}

/**
 * The JSON:API body Flowroute posts to an SMS or MMS callback URL. Numbers are 11-digit NANP without '+';
 * MMS media go in `included[]`, linked from `data.relationships.media`; an MMS without text has body null.
 */
export function flowrouteInboundBody(message: {
  id?: string;
  from: string;
  to: string;
  body: string | null;
  media?: InboundMediaItem[];
  timestamp?: Date;
}) {
  const id = message.id ?? mdrId();
  const media = message.media ?? [];
  const isMms = media.length > 0;
  const included = media.map((m, i) => ({
    id: `${id.replace(/^mdr2-/, '')}-${i + 1}`,
    type: 'media',
    attributes: {
      file_name: m.fileName ?? `image${String(i).padStart(6, '0')}`,
      file_size: m.fileSize,
      mime_type: m.mimeType,
      url: m.url,
    },
    links: { self: `https://api.flowroute.com/v2.2/media/${id}-${i + 1}` },
  }));
  return {
    data: {
      id,
      type: 'message',
      attributes: {
        amount_display: isMms ? '$0.0195' : '$0.0000',
        amount_nanodollars: isMms ? 19_500_000 : 0,
        body: message.body,
        delivery_receipts: [],
        direction: 'inbound',
        from: message.from,
        to: message.to,
        is_mms: isMms,
        message_encoding: 0,
        message_type: 'longcode',
        status: '',
        timestamp: (message.timestamp ?? new Date()).toISOString(),
      },
      ...(isMms ? { relationships: { media: { data: included.map((m) => ({ id: m.id, type: 'media' })) } } } : {}),
    },
    ...(isMms ? { included } : {}),
  };
}

/** The JSON:API body of a delivery receipt Flowroute posts to a message's dlr_callback. */
export function flowrouteDeliveryReceipt(receipt: {
  id: string;
  level: 1 | 2;
  status: string;
  statusCode: string | number;
  description?: string;
  body?: string;
  timestamp?: Date;
}) {
  return {
    data: {
      id: receipt.id,
      type: 'delivery_receipt',
      attributes: {
        body: receipt.body ?? '',
        level: receipt.level,
        status: receipt.status,
        status_code: String(receipt.statusCode),
        status_code_description: receipt.description ?? receipt.status,
        timestamp: (receipt.timestamp ?? new Date()).toISOString(),
      },
      links: { related: `https://api.flowroute.com/v2.1/messages/${receipt.id}` },
    },
  };
}

export class FakeFlowroute {
  /** Every API request (not the media host), in arrival order. */
  readonly requests: FlowrouteRequest[] = [];
  /** Every request the media host received. */
  readonly mediaRequests: FlowrouteMediaRequest[] = [];
  readonly accessKey: string;
  readonly secretKey: string;

  private readonly http = new FakeHttp();
  private apiPort = 0;
  private mediaPortNumber = 0;
  private readonly recordRequests: boolean;
  private readonly accounts = new Map<string, string>();
  private readonly owned = new Map<string, Set<string>>();
  private readonly rejected = new Map<string, { status: 400 | 403; detail: string }>();
  private readonly messages = new Map<string, FlowrouteSentMessage>();
  private readonly media = new Map<string, MediaRecord>();
  private cues: Cue[] = [];
  private lookupCues: (500 | 503)[] = [];
  private seq = 0;

  private constructor(opts: FakeFlowrouteOptions) {
    this.accessKey = opts.accessKey ?? DEFAULT_ACCESS_KEY;
    this.secretKey = opts.secretKey ?? DEFAULT_SECRET_KEY;
    this.accounts.set(this.accessKey, this.secretKey);
    this.recordRequests = opts.recordRequests ?? true;
  }

  static async start(opts: FakeFlowrouteOptions = {}): Promise<FakeFlowroute> {
    const fake = new FakeFlowroute(opts);
    fake.apiPort = await fake.http.serveApi(
      (req, res, rawBody) => fake.onApiRequest(req, res, rawBody),
      opts.port ?? 0,
    );
    fake.mediaPortNumber = await fake.http.serveLocalhost((req, res) => fake.onMediaRequest(req, res));
    return fake;
  }

  /** http://127.0.0.1:{port}/v2.1 — use as FLOWROUTE_API_URL. */
  get url(): string {
    return `http://127.0.0.1:${this.apiPort}${API_PREFIX}`;
  }

  /** http://localhost:{port} — where inbound MMS media live. */
  get mediaUrl(): string {
    return `http://localhost:${this.mediaPortNumber}`;
  }

  /** host:port of the media host, for FLOWROUTE_MEDIA_HOSTS. */
  get mediaHost(): string {
    return `localhost:${this.mediaPortNumber}`;
  }

  get basicAuth(): string {
    return flowrouteBasicAuth(this.accessKey, this.secretKey);
  }

  // ─── cues and state ────────────────────────────────────────────────────────────────────────────────

  /** Another Flowroute account whose credentials the API accepts. */
  addAccount(accessKey: string, secretKey: string): this {
    this.accounts.set(accessKey, secretKey);
    return this;
  }

  /** Numbers (11 digits) the account may send from; once any is registered, other `from` numbers get 403. */
  ownNumber(number: string, accessKey = this.accessKey): this {
    const set = this.owned.get(accessKey) ?? new Set<string>();
    set.add(number);
    this.owned.set(accessKey, set);
    return this;
  }

  failNext(n: number, opts: FlowrouteFailOptions): this {
    if (opts.createdAnyway && opts.status !== 500 && opts.status !== 503)
      throw new Error('createdAnyway only makes sense with status 500 or 503');
    for (let i = 0; i < n; i++) this.cues.push({ kind: 'fail', ...opts });
    return this;
  }

  /** The next n Numbers API requests (lookups of the account's numbers) fail with this status. */
  failLookupsNext(n: number, status: 500 | 503 = 503): this {
    for (let i = 0; i < n; i++) this.lookupCues.push(status);
    return this;
  }

  hangNext(n: number, opts: { createdAnyway?: boolean } = {}): this {
    for (let i = 0; i < n; i++) this.cues.push({ kind: 'hang', ...opts });
    return this;
  }

  /** Every send to `to` (11 digits) is refused with this status. */
  rejectRecipient(to: string, status: 400 | 403 = 400, detail = `The 'to' number ${to} cannot receive messages`): this {
    this.rejected.set(to, { status, detail });
    return this;
  }

  setLatency(ms: number): this {
    this.http.latencyMs = Math.max(0, ms);
    return this;
  }

  /** Stores an attachment on the media host; returns its public URL and size, as Flowroute's `included[]` gives them. */
  addMedia(opts: FlowrouteMediaOptions): InboundMediaItem {
    const token = randomBytes(16).toString('hex');
    const fileName = opts.fileName ?? `image-${token.slice(0, 6)}`;
    this.media.set(token, { token, contentType: opts.contentType, body: opts.body, fileName });
    return {
      url: `${this.mediaUrl}/flowroute-messaging-media/${token}`,
      mimeType: opts.contentType,
      fileSize: opts.body.length,
      fileName,
    };
  }

  /** Messages created through POST /messages (incl. createdAnyway ones), oldest first. */
  sentMessages(accessKey?: string): FlowrouteSentMessage[] {
    return [...this.messages.values()].filter((m) => !accessKey || m.accessKey === accessKey);
  }

  /** Every POST /messages that reached the fake, whatever the answer. */
  sendAttempts(): FlowrouteRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path === `${API_PREFIX}/messages`);
  }

  reset(): void {
    this.cues = [];
    this.lookupCues = [];
    this.http.latencyMs = 0;
    this.requests.length = 0;
    this.mediaRequests.length = 0;
    this.messages.clear();
    this.media.clear();
    this.rejected.clear();
    this.owned.clear();
    this.seq = 0;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  // ─── API server ───────────────────────────────────────────────────────────────────────────────────

  private onApiRequest(req: IncomingMessage, res: ServerResponse, rawBody: string): void {
    const rawUrl = req.url ?? '/';
    const parsed = new URL(rawUrl, 'http://fake');
    let json: unknown;
    try {
      json = rawBody ? JSON.parse(rawBody) : undefined;
    } catch {
      json = undefined;
    }
    const rec: FlowrouteRequest = {
      seq: ++this.seq,
      method: req.method ?? 'GET',
      path: parsed.pathname,
      url: rawUrl,
      query: Object.fromEntries(parsed.searchParams),
      headers: { ...req.headers },
      rawBody,
      json,
      time: Date.now(),
      accessKey: this.authorizedAccount(req.headers.authorization),
    };
    if (this.recordRequests) this.requests.push(rec);
    this.route(rec, res);
  }

  private authorizedAccount(header: string | undefined): string | null {
    const credentials = basicCredentials(header);
    return credentials && this.accounts.get(credentials.user) === credentials.password ? credentials.user : null;
  }

  private send(
    rec: FlowrouteRequest,
    res: ServerResponse,
    status: number,
    body?: unknown,
    headers: http.OutgoingHttpHeaders = {},
  ): void {
    const write = (): void => {
      rec.status = status;
      if (res.destroyed) return;
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const out: http.OutgoingHttpHeaders = { ...headers };
      if (payload !== undefined) {
        out['content-type'] = 'application/vnd.api+json';
        out['content-length'] = Buffer.byteLength(payload);
      }
      res.writeHead(status, out);
      res.end(payload);
    };
    this.http.later(write);
  }

  private sendError(rec: FlowrouteRequest, res: ServerResponse, status: number, detail: string): void {
    const headers: http.OutgoingHttpHeaders =
      status === 401
        ? { 'www-authenticate': 'Basic realm="Flowroute API"' }
        : status === 429
          ? { 'retry-after': '1' }
          : {};
    this.send(rec, res, status, flowrouteError(status, detail), headers);
  }

  private route(rec: FlowrouteRequest, res: ServerResponse): void {
    if (rec.path === NUMBERS_PREFIX || rec.path.startsWith(`${NUMBERS_PREFIX}/`)) return this.routeNumbers(rec, res);
    const isList = rec.path === `${API_PREFIX}/messages`;
    const one = new RegExp(`^${API_PREFIX}/messages/([^/]+)$`).exec(rec.path);
    if (!isList && !one) return this.sendError(rec, res, 404, `No resource at ${rec.path}`);
    if (!rec.accessKey)
      return this.sendError(rec, res, 401, 'Authentication failed: check your access key and secret key');
    if (isList && rec.method === 'POST') return this.createMessage(rec, res, rec.accessKey);
    if (isList && rec.method === 'GET') return this.listMessages(rec, res, rec.accessKey);
    if (one && rec.method === 'GET') {
      const m = this.messages.get(one[1]);
      if (!m || m.accessKey !== rec.accessKey) return this.sendError(rec, res, 404, `No message record ${one[1]}`);
      return this.send(rec, res, 200, { data: this.mdr(m) });
    }
    this.sendError(rec, res, 405, `${rec.method} is not allowed here`);
  }

  /** Numbers API v2: the account's numbers, and one of them by id (its 11 digits). */
  private routeNumbers(rec: FlowrouteRequest, res: ServerResponse): void {
    const one = new RegExp(`^${NUMBERS_PREFIX}/([^/]+)$`).exec(rec.path);
    if (!one && rec.path !== NUMBERS_PREFIX) return this.sendError(rec, res, 404, `No resource at ${rec.path}`);
    if (!rec.accessKey)
      return this.sendError(rec, res, 401, 'Authentication failed: check your access key and secret key');
    if (rec.method !== 'GET') return this.sendError(rec, res, 405, `${rec.method} is not allowed here`);
    const cue = this.lookupCues.shift();
    if (cue) return this.sendError(rec, res, cue, DEFAULT_DETAILS[cue]);
    const owned = this.owned.get(rec.accessKey);
    if (one) {
      const id = decodeURIComponent(one[1]);
      if (!NANP.test(id) || (owned && !owned.has(id)))
        return this.sendError(rec, res, 404, `The number ${id} is not on your account`);
      return this.send(rec, res, 200, { data: numberRecord(id) });
    }
    const { starts_with: startsWith, ends_with: endsWith, contains } = rec.query;
    const all = [...(owned ?? [])]
      .sort()
      .filter(
        (n) =>
          (!startsWith || n.startsWith(startsWith)) &&
          (!endsWith || n.endsWith(endsWith)) &&
          (!contains || n.includes(contains)),
      );
    const limit = Math.min(200, Math.max(1, Number(rec.query.limit ?? 10) || 10));
    const offset = Math.max(0, Number(rec.query.offset ?? 0) || 0);
    const next =
      offset + limit < all.length
        ? `${NUMBERS_PREFIX}?${new URLSearchParams({ ...rec.query, offset: String(offset + limit), limit: String(limit) })}`
        : null;
    this.send(rec, res, 200, {
      data: all.slice(offset, offset + limit).map(numberRecord),
      links: { self: rec.url, next },
    });
  }

  private createMessage(rec: FlowrouteRequest, res: ServerResponse, accessKey: string): void {
    const cue = this.cues.shift();
    if (cue?.kind === 'fail') {
      if (cue.createdAnyway) this.store(rec, accessKey, cue.status);
      return this.sendError(rec, res, cue.status, cue.detail ?? DEFAULT_DETAILS[cue.status]);
    }
    if (cue?.kind === 'hang') {
      rec.hung = true;
      if (cue.createdAnyway) this.store(rec, accessKey, null);
      return; // never answered; close() or the client's timeout ends the socket
    }
    const body = rec.json;
    if (!isRecord(body)) return this.sendError(rec, res, 400, 'The request body must be a JSON object');
    const { to, from } = body;
    const text = typeof body.body === 'string' ? body.body : '';
    const mediaUrls = Array.isArray(body.media_urls) ? body.media_urls : [];
    if (typeof to !== 'string' || !NANP.test(to))
      return this.sendError(
        rec,
        res,
        400,
        "'to' must be an 11-digit North American number without '+', e.g. 12065551234",
      );
    if (typeof from !== 'string' || !NANP.test(from))
      return this.sendError(
        rec,
        res,
        400,
        "'from' must be an 11-digit North American number without '+', e.g. 12065551234",
      );
    const owned = this.owned.get(accessKey);
    if (owned && !owned.has(from)) return this.sendError(rec, res, 403, `The number ${from} is not on your account`);
    const rejection = this.rejected.get(to);
    if (rejection) return this.sendError(rec, res, rejection.status, rejection.detail);
    if (!text && mediaUrls.length === 0)
      return this.sendError(rec, res, 400, "'body' is required unless 'media_urls' is given");
    if (text.length > MAX_BODY)
      return this.sendError(rec, res, 422, `'body' is ${text.length} characters; the limit is ${MAX_BODY}`);
    const stored = this.store(rec, accessKey, 202);
    this.send(rec, res, 202, {
      data: { id: stored.id, type: 'message', links: { self: `https://api.flowroute.com/v2.1/messages/${stored.id}` } },
    });
  }

  private store(rec: FlowrouteRequest, accessKey: string, responseStatus: number | null): FlowrouteSentMessage {
    const body = isRecord(rec.json) ? rec.json : {};
    const mediaUrls = Array.isArray(body.media_urls)
      ? body.media_urls.filter((u): u is string => typeof u === 'string')
      : [];
    const message: FlowrouteSentMessage = {
      id: mdrId(),
      accessKey,
      to: typeof body.to === 'string' ? body.to : '',
      from: typeof body.from === 'string' ? body.from : '',
      body: typeof body.body === 'string' ? body.body : '',
      mediaUrls,
      isMms: body.is_mms === true || mediaUrls.length > 0,
      dlrCallback: typeof body.dlr_callback === 'string' ? body.dlr_callback : null,
      createdAt: new Date(),
      responseStatus,
      request: rec,
    };
    this.messages.set(message.id, message);
    return message;
  }

  private listMessages(rec: FlowrouteRequest, res: ServerResponse, accessKey: string): void {
    const start = parseUtc(rec.query.start_date ?? '');
    if (Number.isNaN(start))
      return this.sendError(rec, res, 400, "'start_date' is required, as YYYY-MM-DD or an ISO 8601 date-time");
    const end = rec.query.end_date ? parseUtc(rec.query.end_date) : Number.POSITIVE_INFINITY;
    if (Number.isNaN(end)) return this.sendError(rec, res, 400, "'end_date' is not a date");
    const limit = Math.min(200, Math.max(1, Number(rec.query.limit ?? 250) || 250));
    const offset = Math.max(0, Number(rec.query.offset ?? 0) || 0);
    const all = [...this.messages.values()]
      .filter((m) => m.accessKey === accessKey && m.createdAt.getTime() >= start && m.createdAt.getTime() <= end)
      .reverse();
    const page = all.slice(offset, offset + limit);
    const next =
      offset + limit < all.length
        ? `${API_PREFIX}/messages?${new URLSearchParams({ ...rec.query, offset: String(offset + limit), limit: String(limit) })}`
        : null;
    this.send(rec, res, 200, { data: page.map((m) => this.mdr(m)), links: { next } });
  }

  /** A message detail record (MDR2) as lookups and lists return it. */
  private mdr(m: FlowrouteSentMessage) {
    return {
      id: m.id,
      type: 'message',
      attributes: {
        amount_display: m.isMms ? '$0.0200' : '$0.0040',
        amount_nanodollars: m.isMms ? 20_000_000 : 4_000_000,
        body: m.body,
        delivery_receipts: [],
        direction: 'outbound',
        from: m.from,
        to: m.to,
        is_mms: m.isMms,
        message_encoding: 0,
        message_type: 'longcode',
        status: 'message buffered',
        timestamp: m.createdAt.toISOString(),
      },
      links: { self: `https://api.flowroute.com/v2.1/messages/${m.id}` },
    };
  }

  // ─── media host ─────────────────────────────────────────────────────────────────────────────────────

  private onMediaRequest(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0];
      const token = /^\/flowroute-messaging-media\/([0-9a-f]{32})$/.exec(path)?.[1];
      const m = token ? this.media.get(token) : undefined;
      const ok = m !== undefined && (req.method === 'GET' || req.method === 'HEAD');
      const status = ok ? 200 : m ? 405 : 404;
      this.mediaRequests.push({
        method: req.method ?? 'GET',
        path,
        hadAuthorization: req.headers.authorization !== undefined,
        status,
        time: Date.now(),
      });
      if (!ok) {
        const text = status === 404 ? 'NoSuchKey' : 'MethodNotAllowed';
        res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(text) });
        res.end(text);
        return;
      }
      res.writeHead(200, { 'content-type': m.contentType, 'content-length': m.body.length });
      res.end(req.method === 'HEAD' ? undefined : m.body);
    });
  }
}

/** A number as Flowroute's Numbers API describes it (the fields a lookup reads, and a few it shows). */
function numberRecord(id: string) {
  return {
    id,
    type: 'number',
    attributes: {
      value: id,
      alias: null,
      billing_method: 'METERED',
      cnam_lookups_enabled: false,
      number_type: 'standard',
      rate_center: 'seattle',
      state: 'wa',
    },
    links: { self: `https://api.flowroute.com/v2/numbers/${id}` },
  };
}

/** Flowroute reads dates and date-times without a zone as UTC (JavaScript would read the latter as local time). */
function parseUtc(value: string): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return Date.parse(`${value}T00:00:00Z`);
  return Date.parse(/(Z|[+-]\d{2}:?\d{2})$/.test(value) ? value : `${value}Z`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
