import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { flowrouteErrorDetail, toFlowrouteNumber } from './flowroute-wire';
import {
  OutboundSms,
  ProviderRateLimit,
  SendAccepted,
  SendAmbiguousError,
  SendRefusedError,
  NumberOwnership,
  SendRetryableError,
  SmsProvider,
} from '../sms-provider';

export interface FlowrouteCredentials {
  accessKey: string;
  secretKey: string;
}

export interface FlowrouteConnection {
  /** Messages API base, e.g. https://api.flowroute.com/v2.1. */
  apiUrl: string;
  timeoutMs: number;
  /** This account's delivery-receipt webhook; each message adds `?m=<message id>`. */
  dlrCallbackUrl: string;
}

export type ConnectionTest = { ok: true; message: string } | { ok: false; message: string };

// Flowroute's published limits, per Flowroute account.
const SMS_PER_SECOND = 5;
const MMS_PER_SECOND = 1;
const NOT_SENT_NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);
// Reconciliation reads at most this many records after an ambiguous send; an account sending more in a minute is rare.
const LOOKUP_PAGES = 5;
const LOOKUP_PAGE_SIZE = 200;

interface FlowrouteRecord {
  id?: unknown;
  attributes?: { to?: unknown; from?: unknown; body?: unknown; direction?: unknown };
}

/**
 * An account's own Flowroute account (Messages API v2.1): JSON over HTTP basic auth, 11-digit NANP numbers,
 * 202 with the record id. The credentials live only in this object, in memory, for one send; they are never logged.
 */
export class FlowrouteProvider implements SmsProvider {
  readonly name = 'flowroute';
  private readonly logger = new Logger(FlowrouteProvider.name);
  private readonly authorization: string;
  private readonly rateKey: string;

  constructor(
    credentials: FlowrouteCredentials,
    private readonly connection: FlowrouteConnection,
  ) {
    this.authorization = `Basic ${Buffer.from(`${credentials.accessKey}:${credentials.secretKey}`).toString('base64')}`;
    // Keyed by the Flowroute account, not ours: two helpdesk accounts sharing one Flowroute account share its limit.
    this.rateKey = `flowroute:${createHash('sha256').update(credentials.accessKey).digest('hex').slice(0, 16)}`;
  }

  rateLimit(message: OutboundSms): ProviderRateLimit {
    const mms = (message.mediaUrls?.length ?? 0) > 0;
    return mms
      ? { key: `${this.rateKey}:mms`, perSecond: MMS_PER_SECOND }
      : { key: `${this.rateKey}:sms`, perSecond: SMS_PER_SECOND };
  }

  async send(message: OutboundSms): Promise<SendAccepted> {
    const to = toFlowrouteNumber(message.to);
    const from = toFlowrouteNumber(message.from);
    if (!to)
      throw new SendRefusedError(
        'Flowroute sends to North American (+1) numbers only, and the recipient is not one',
        'not_nanp',
      );
    if (!from)
      throw new SendRefusedError(
        'Flowroute sends from North American (+1) numbers only: give the account a +1 number from its Flowroute account',
        'not_nanp',
      );
    const mediaUrls = message.mediaUrls ?? [];
    const payload = {
      to,
      from,
      body: message.body,
      dlr_callback: `${this.connection.dlrCallbackUrl}?m=${encodeURIComponent(message.messageId)}`,
      ...(mediaUrls.length > 0 ? { media_urls: mediaUrls, is_mms: true } : {}),
    };

    let response: Response;
    try {
      response = await this.request('POST', '/messages', payload);
    } catch (e) {
      throw this.networkError(e);
    }
    const body = await readJson(response);
    if (response.status === 202 || response.status === 200 || response.status === 201) {
      const id = recordId(body);
      // Accepted but unreadable: it may have gone out, so it is reconciled like a timeout.
      if (!id) throw new SendAmbiguousError(`Flowroute answered HTTP ${response.status} without a record id`, null);
      return { providerMessageId: id, status: 'accepted', segments: null };
    }
    throw this.httpError(response.status, body);
  }

  async findSent(
    message: OutboundSms,
    since: Date,
    isTaken?: (providerMessageId: string) => Promise<boolean>,
  ): Promise<SendAccepted | null> {
    const to = toFlowrouteNumber(message.to);
    const from = toFlowrouteNumber(message.from);
    if (!to || !from) return null;
    const query = new URLSearchParams({
      start_date: utcDateTime(new Date(since.getTime() - 60_000)),
      end_date: utcDateTime(new Date(Date.now() + 60_000)),
      limit: String(LOOKUP_PAGE_SIZE),
    });
    let path: string | null = `/messages?${query}`;
    for (let page = 0; path && page < LOOKUP_PAGES; page++) {
      const response = await this.request('GET', path);
      const body = await readJson(response);
      if (response.status !== 200)
        throw new SendAmbiguousError(
          `Flowroute message lookup answered HTTP ${response.status}`,
          String(response.status),
        );
      const records = isRecord(body) && Array.isArray(body.data) ? (body.data as FlowrouteRecord[]) : [];
      // The same text can go to the same number twice (two updates saying "on my way"): a record another row
      // already owns is not this one.
      let found: (FlowrouteRecord & { id: string }) | null = null;
      for (const r of records) {
        const same =
          r.attributes?.direction !== 'inbound' &&
          r.attributes?.to === to &&
          r.attributes?.from === from &&
          r.attributes?.body === message.body;
        if (same && typeof r.id === 'string' && !(await isTaken?.(r.id))) {
          found = { ...r, id: r.id };
          break;
        }
      }
      if (found) {
        this.logger.log(
          { messageId: message.messageId, recordId: found.id },
          'found an earlier send at Flowroute; not sending again',
        );
        return { providerMessageId: found.id, status: 'accepted', segments: null };
      }
      path = this.nextPage(body);
    }
    return null;
  }

  /** Checks the credentials with a harmless authenticated read (the last day's message records, one at most). */
  async testConnection(): Promise<ConnectionTest> {
    const query = new URLSearchParams({ start_date: utcDateTime(new Date(Date.now() - 86_400_000)), limit: '1' });
    let response: Response;
    try {
      response = await this.request('GET', `/messages?${query}`);
    } catch (e) {
      return { ok: false, message: `Could not reach Flowroute: ${this.networkError(e).message}` };
    }
    if (response.status === 200) return { ok: true, message: 'Flowroute accepted the access key and secret key' };
    const detail = flowrouteErrorDetail(await readJson(response));
    if (response.status === 401 || response.status === 403) {
      return { ok: false, message: `Flowroute refused the access key and secret key (HTTP ${response.status})` };
    }
    return { ok: false, message: `Flowroute answered HTTP ${response.status}${detail ? `: ${detail}` : ''}` };
  }

  /**
   * Asks Flowroute's Numbers API (v2, `GET /v2/numbers/{number}`: only numbers on the account answer 200) whether
   * `e164` is this account's. Flowroute numbers are North American, so anything else is not.
   */
  async ownsNumber(e164: string): Promise<NumberOwnership> {
    const digits = toFlowrouteNumber(e164);
    if (!digits)
      return {
        owned: false,
        final: true,
        reason: `Flowroute numbers are North American (+1); ${e164} cannot be on the account's Flowroute account`,
      };
    let response: Response;
    try {
      response = await this.request('GET', `/numbers/${digits}`, undefined, numbersApiUrl(this.connection.apiUrl));
    } catch (e) {
      return {
        owned: false,
        final: false,
        reason: `Could not reach Flowroute to check ${e164} (${this.networkError(e).message}); verify it again later`,
      };
    }
    const body = await readJson(response);
    if (response.status === 200) {
      const data = isRecord(body) && isRecord(body.data) ? body.data : null;
      const value = data && isRecord(data.attributes) ? data.attributes.value : undefined;
      if (data?.id === digits || value === digits) return { owned: true };
      return {
        owned: false,
        final: false,
        reason: `Flowroute answered the lookup of ${e164} with another number; verify it again later`,
      };
    }
    if (response.status === 404)
      return {
        owned: false,
        final: true,
        reason: `${e164} is not on the account's Flowroute account (Flowroute's numbers list does not have it)`,
      };
    if (response.status === 401 || response.status === 403) {
      return {
        owned: false,
        final: true,
        reason: `Flowroute refused the account's access key and secret key (HTTP ${response.status}), so ${e164} cannot be confirmed`,
      };
    }
    const detail = flowrouteErrorDetail(body);
    return {
      owned: false,
      final: false,
      reason: `Flowroute answered HTTP ${response.status}${detail ? `: ${detail}` : ''} to the lookup of ${e164}; verify it again later`,
    };
  }

  private request(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    base = this.connection.apiUrl,
  ): Promise<Response> {
    return fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: this.authorization,
        accept: 'application/vnd.api+json, application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/vnd.api+json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: 'error', // credentials go to the API host only, never to a redirect target
      signal: AbortSignal.timeout(this.connection.timeoutMs),
    });
  }

  /** A following page on the API's own origin, as a path below the base; anything else ends the lookup. */
  private nextPage(body: unknown): string | null {
    const next = isRecord(body) && isRecord(body.links) && typeof body.links.next === 'string' ? body.links.next : null;
    if (!next) return null;
    const base = new URL(this.connection.apiUrl);
    const url = new URL(next, base);
    if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname)) return null;
    return url.pathname.slice(base.pathname.replace(/\/$/, '').length) + url.search;
  }

  private httpError(status: number, body: unknown): Error {
    const detail = flowrouteErrorDetail(body);
    const code = String(status);
    if (status === 429)
      return new SendRetryableError(
        `Flowroute is throttling this account (HTTP 429)${detail ? `: ${detail}` : ''}`,
        code,
      );
    if (status === 401)
      return new SendRefusedError(
        "Flowroute refused the account's access key and secret key (HTTP 401); check them in the SMS settings",
        code,
      );
    if (status >= 400 && status < 500)
      return new SendRefusedError(`Flowroute refused the message (HTTP ${status})${detail ? `: ${detail}` : ''}`, code);
    return new SendAmbiguousError(`Flowroute answered HTTP ${status}${detail ? `: ${detail}` : ''}`, code);
  }

  private networkError(e: unknown): Error {
    const error = e as { name?: string; cause?: { code?: string }; message?: string };
    if (error.name === 'TimeoutError' || error.name === 'AbortError') {
      return new SendAmbiguousError(`Flowroute did not answer within ${this.connection.timeoutMs} ms`, 'timeout');
    }
    const code = error.cause?.code ?? null;
    if (code && NOT_SENT_NETWORK_CODES.has(code))
      return new SendRetryableError(`Could not connect to Flowroute (${code})`, code);
    return new SendAmbiguousError(`Flowroute request failed: ${code ?? error.message ?? 'unknown error'}`, code);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => '');
  try {
    return text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    return undefined;
  }
}

function recordId(body: unknown): string | null {
  return isRecord(body) && isRecord(body.data) && typeof body.data.id === 'string' && body.data.id
    ? body.data.id
    : null;
}

/** The Numbers API lives beside the Messages API under v2: https://api.flowroute.com/v2.1 → https://api.flowroute.com/v2. */
export function numbersApiUrl(messagesApiUrl: string): string {
  return messagesApiUrl.replace(/\/v2(\.\d+)?\/?$/, '/v2');
}

/** Flowroute reads dates in UTC, to the second: 'YYYY-MM-DDTHH:MM:SS'. */
function utcDateTime(date: Date): string {
  return date.toISOString().slice(0, 19);
}
