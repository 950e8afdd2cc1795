import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Clock } from '../../src/sms/clock/clock';
import { eventually, TestAccount, TestApp } from './test-app';

/** The module's clock, moved by hand across claim timeouts and response times. */
export class MovableClock extends Clock {
  private offsetMs = 0;
  override now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
  /** Stands at `at` (an ISO date-time), running on from there. */
  standAt(at: string): void {
    this.offsetMs = Date.parse(at) - Date.now();
  }
  /** Runs on real time again. */
  reset(): void {
    this.offsetMs = 0;
  }
}

export const MINUTE = 60_000;
const WEBHOOK = '/webhooks/twilio/inbound';

/** A contact texting `to` through Twilio's signed webhook; resolves with the message sid once the webhook answered. */
export async function postTwilioText(
  t: TestApp,
  from: string,
  to: string,
  body: string,
  segments = 1,
): Promise<string> {
  const messageSid = `SM${randomBytes(16).toString('hex')}`;
  const params: Record<string, string> = {
    MessageSid: messageSid,
    SmsMessageSid: messageSid,
    SmsSid: messageSid,
    AccountSid: t.twilio.accountSid,
    From: from,
    To: to,
    Body: body,
    NumMedia: '0',
    NumSegments: String(segments),
    ApiVersion: '2010-04-01',
  };
  await t.postTwilio(WEBHOOK, params).expect(200);
  return messageSid;
}

/** A contact texting one of the account's numbers through Twilio's signed webhook; resolves once the text has landed. */
export async function textIn(t: TestApp, from: string, to: string, body: string, segments = 1): Promise<string> {
  const messageSid = await postTwilioText(t, from, to, body, segments);
  const [row] = await eventually(
    () =>
      t.db.query(`SELECT id, status FROM sms_messages WHERE provider = 'twilio' AND provider_message_id = $1`, [
        messageSid,
      ]) as Promise<{ id: string; status: string }[]>,
    (rows) => rows.length === 1 && rows[0].status !== 'received',
    30_000,
  );
  return row.id;
}

export interface ConversationItem {
  id: string;
  contactPhone: string;
  businessNumber: string;
  status: 'claimed' | 'unclaimed';
  claim: { userId: string; name: string; expiresAt: string } | null;
  unanswered: boolean;
  routedTeamIds: string[];
}

/** The conversations `token`'s user sees (first page of 200). */
export async function conversationsOf(account: TestAccount, token: string, query = ''): Promise<ConversationItem[]> {
  return (await account.get(`/api/sms/conversations?limit=200${query}`, token).expect(200)).body.conversations;
}

export async function conversationWith(
  account: TestAccount,
  contact: string,
  business: string,
): Promise<ConversationItem> {
  const all = await conversationsOf(account, account.adminToken);
  const found = all.find((c) => c.contactPhone === contact && c.businessNumber === business);
  if (!found) throw new Error(`no conversation between ${business} and ${contact}`);
  return found;
}

export interface ReceivedEvent {
  id: string;
  type: string;
  data: Record<string, unknown> & { conversationId?: string };
}

/** A server-sent events reader: collects the events of one connection. */
export class SseClient {
  readonly events: ReceivedEvent[] = [];
  private request: http.ClientRequest | null = null;
  /** Resolves when the server ends the stream. */
  ended!: Promise<void>;

  private constructor() {}

  /** The API's stream with a bearer token, or (`options`) another stream path with its own headers, e.g. the console's with a cookie. */
  static async connect(
    t: TestApp,
    token: string,
    options: { path?: string; headers?: Record<string, string> } = {},
  ): Promise<SseClient> {
    const server = t.app.getHttpServer() as http.Server;
    if (!server.listening) await t.app.listen(0, '127.0.0.1');
    const { port } = server.address() as AddressInfo;
    const client = new SseClient();
    const headers = options.headers ?? { Authorization: `Bearer ${token}` };
    await new Promise<void>((resolve, reject) => {
      const req = http.get(
        {
          host: '127.0.0.1',
          port,
          path: options.path ?? '/api/sms/events',
          headers: { ...headers, Accept: 'text/event-stream' },
        },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            reject(new Error(`SSE answered ${res.statusCode}`));
            return;
          }
          client.ended = new Promise((ended) => res.on('end', ended).on('close', ended));
          let buffer = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buffer += chunk;
            let end: number;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              client.parse(buffer.slice(0, end));
              buffer = buffer.slice(end + 2);
            }
          });
          res.on('error', () => undefined);
          resolve();
        },
      );
      req.on('error', reject);
      client.request = req;
    });
    return client;
  }

  private parse(block: string): void {
    const fields: Record<string, string> = {};
    for (const line of block.split('\n')) {
      const match = /^([a-z]+):\s?(.*)$/.exec(line);
      if (match) fields[match[1]] = match[1] === 'data' && fields.data ? `${fields.data}\n${match[2]}` : match[2];
    }
    if (!fields.data) return;
    this.events.push({
      id: fields.id,
      type: fields.event ?? 'message',
      data: JSON.parse(fields.data) as ReceivedEvent['data'],
    });
  }

  /** Waits for an event that passes `match`. */
  async next(match: (e: ReceivedEvent) => boolean, timeoutMs = 10_000): Promise<ReceivedEvent> {
    const found = await eventually(
      async () => this.events.find(match) ?? null,
      (e) => e !== null,
      timeoutMs,
    );
    return found!;
  }

  /** The events that pass `match` so far. */
  matching(match: (e: ReceivedEvent) => boolean): ReceivedEvent[] {
    return this.events.filter(match);
  }

  close(): void {
    this.request?.destroy();
  }
}
