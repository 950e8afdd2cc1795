import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { arch, platform } from 'node:os';
import type { Socket } from 'node:net';
import type { TwilioCredentials } from './twilio-options';

/**
 * What a failed call carries, as twilio-node's errors do: an HTTP answer outside 2xx has `status` and Twilio's `code`
 * and `message` from its JSON body (the SDK's RestException); a call that got no answer has the socket's `code`
 * (ECONNREFUSED, ECONNRESET…), or ECONNABORTED when it ran out of time (axios's word for it).
 */
export class TwilioCallError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly code: string | number | undefined,
  ) {
    super(message);
    this.name = 'TwilioCallError';
  }
}

/** A message resource as Twilio answers a create (the fields the provider reads). */
export interface TwilioMessageResource {
  sid: string;
  status: string;
  num_segments?: string | null;
}

/** The form fields of Messages.json; `MediaUrl` repeats, once per link. */
export interface TwilioMessageForm {
  To: string;
  From: string;
  Body: string;
  MediaUrl?: string[];
  StatusCallback: string;
}

// qs's RFC 3986 encoding, as twilio-node sends its forms: encodeURIComponent leaves !'()* alone, qs does not.
const encode = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The form body, with the SDK's field order and encoding (`arrayFormat: 'repeat'` for MediaUrl). */
export function twilioMessageForm(form: TwilioMessageForm): string {
  let body = `To=${encode(form.To)}&StatusCallback=${encode(form.StatusCallback)}&From=${encode(form.From)}&Body=${encode(form.Body)}`;
  for (const url of form.MediaUrl ?? []) body += `&MediaUrl=${encode(url)}`;
  return body;
}

/** twilio-node's User-Agent, so the requests read the same in the Twilio console whichever client made them. */
function userAgent(): string {
  // A small JSON read, not the SDK: the version the SDK's calls name too.
  const { version } = JSON.parse(readFileSync(require.resolve('twilio/package.json'), 'utf8')) as { version: string };
  return `twilio-node/${version} (${platform()} ${arch()}) node/${process.version}`;
}

/**
 * Node's agent sets SO_KEEPALIVE on a socket every time it goes back to the pool: one system call per request on a
 * socket that already has it. Set once, when the socket is made.
 */
function keepAliveOnce(socket: Socket, msecs: number): Socket {
  socket.setKeepAlive(true, msecs);
  socket.setKeepAlive = () => socket;
  return socket;
}

/**
 * The one call of the send path, Messages.json's create, made straight over Node's HTTP client with kept-alive
 * connections: the same request twilio-node makes (POST, form-encoded, basic auth, its headers) and the same errors, at
 * a fraction of the SDK's cost per request (no axios, no resource classes). Everything else (lookups, numbers) still
 * goes through the SDK.
 */
export class TwilioMessagesClient {
  private readonly url: URL;
  private readonly path: string;
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;
  private readonly headers: Record<string, string>;

  constructor(private readonly credentials: Required<TwilioCredentials>) {
    this.url = new URL(credentials.apiUrl);
    // A path prefix of apiUrl is kept, as the SDK's rebased client keeps it.
    this.path = `${this.url.pathname.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(credentials.accountSid)}/Messages.json`;
    const secure = this.url.protocol === 'https:';
    // An idle connection closes after the call timeout, as the SDK's agent closes it: a connection kept much longer
    // risks being closed by Twilio just as a send goes out on it (an ambiguous call, looked up before any resend).
    const options = { keepAlive: true, keepAliveMsecs: 1000, timeout: credentials.timeoutMs };
    const Agent = secure ? https.Agent : http.Agent;
    this.agent = new (class extends Agent {
      override createConnection(...args: Parameters<http.Agent['createConnection']>) {
        const socket = super.createConnection(...args) as Socket | undefined;
        return socket ? keepAliveOnce(socket, options.keepAliveMsecs) : socket;
      }
    })(options) as http.Agent;
    this.request = secure ? https.request : http.request;
    this.headers = {
      'User-Agent': userAgent(),
      'Accept-Charset': 'utf-8',
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
      Connection: 'keep-alive',
      Authorization: `Basic ${Buffer.from(`${credentials.accountSid}:${credentials.authToken}`).toString('base64')}`,
    };
  }

  /**
   * Creates a message. The timeout runs from the request to the last byte of the answer; a call that runs out of it is
   * abandoned (the message may still have been created).
   */
  createMessage(form: TwilioMessageForm): Promise<TwilioMessageResource> {
    const body = twilioMessageForm(form);
    const timeoutMs = this.credentials.timeoutMs;
    return new Promise<TwilioMessageResource>((resolve, reject) => {
      const req = this.request(
        {
          agent: this.agent,
          protocol: this.url.protocol,
          hostname: this.url.hostname,
          port: this.url.port || undefined,
          path: this.path,
          method: 'POST',
          headers: { ...this.headers, 'Content-Length': String(Buffer.byteLength(body)) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('error', fail);
          res.on('end', () => {
            clearTimeout(timer);
            try {
              resolve(answer(res.statusCode ?? 0, text));
            } catch (e) {
              reject(e);
            }
          });
        },
      );
      const timer = setTimeout(
        () => req.destroy(new TwilioCallError(`timeout of ${timeoutMs}ms exceeded`, undefined, 'ECONNABORTED')),
        timeoutMs,
      );
      function fail(e: Error & { code?: string }) {
        clearTimeout(timer);
        reject(e instanceof TwilioCallError ? e : new TwilioCallError(e.message, undefined, e.code));
      }
      req.on('error', fail);
      req.end(body);
    });
  }
}

/** A 2xx answer's resource, or the error twilio-node throws for the answer (its RestException's fields). */
function answer(status: number, text: string): TwilioMessageResource {
  if (status >= 200 && status < 300) return JSON.parse(text) as TwilioMessageResource;
  let body: { message?: string; code?: string | number } | null;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = null;
  }
  if (body === null || typeof body !== 'object')
    throw new TwilioCallError(`[HTTP ${status}] Failed to execute request`, status, undefined);
  throw new TwilioCallError(body.message ?? 'Twilio request failed', status, body.code);
}
