import { randomBytes } from 'node:crypto';
import type { Response } from 'supertest';
import { signTwilioRequest, twilioForm } from '../../fakes/fake-twilio';
import { plainPhoto } from '../../fixtures/images';
import { eventually, PUBLIC_URL, TestApp } from '../../support/test-app';

const WEBHOOK = '/webhooks/twilio/inbound';

/**
 * Another account's ordinary work for `underAttack`: a customer's photo on one of its tickets, and a request that
 * downloads it (a file read on libuv's thread pool, which password hashing shares).
 */
export async function photoBystander(
  t: TestApp,
  business = '+12025550177',
  customerPhone = '+12015550142',
): Promise<() => Promise<void>> {
  const account = await t.account('Other Co');
  await account.addNumber(business);
  const customerId = await account.customer([{ number: customerPhone, type: 'mobile' }]);
  const ticket = await account.ticket(customerId);
  const messageSid = `MM${randomBytes(16).toString('hex')}`;
  const mediaUrl = t.twilio.addMedia(messageSid, { contentType: 'image/jpeg', body: await plainPhoto() });
  const params: Record<string, string> = {
    MessageSid: messageSid,
    SmsMessageSid: messageSid,
    SmsSid: messageSid,
    AccountSid: t.twilio.accountSid,
    From: customerPhone,
    To: business,
    Body: 'Photo of the error',
    NumMedia: '1',
    MediaUrl0: mediaUrl,
    MediaContentType0: 'image/jpeg',
    NumSegments: '1',
    ApiVersion: '2010-04-01',
  };
  await t
    .http()
    .post(WEBHOOK)
    .set('X-Twilio-Signature', signTwilioRequest(t.twilio.authToken, `${PUBLIC_URL}${WEBHOOK}`, params))
    .type('form')
    .send(twilioForm(params))
    .expect(200);
  const withPhoto = await eventually(
    async () =>
      (await account.get(`/api/tickets/${ticket.id}`).expect(200)).body as {
        comments: { attachments: { url: string }[] }[];
      },
    (body) => body.comments.some((c) => c.attachments.length > 0),
    30_000,
  );
  const url = withPhoto.comments.flatMap((c) => c.attachments)[0].url;
  return async () => {
    const photo = await account.get(url).buffer(true).expect(200);
    if (!(photo.body as Buffer).length) throw new Error('the photo came back empty');
  };
}

/** A browser at the console: its cookies, and the client address a trusted proxy reports for it (X-Forwarded-For). */
export class ConsoleBrowser {
  private readonly cookies = new Map<string, string>();
  private formToken: Promise<string> | undefined;
  csrf = '';

  constructor(
    private readonly t: TestApp,
    readonly address: string,
  ) {}

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  /** Posts the sign-in form, opening it first (for its double-submit token) once per browser, as a person or a script would. */
  async signIn(email: string, password: unknown): Promise<Response> {
    this.formToken ??= this.get('/console/sign-in').then(
      (form) => /name="_csrf" value="([^"]+)"/.exec(form.text)?.[1] ?? '',
    );
    const answer = await this.postForm('/console/sign-in', { _csrf: await this.formToken, email, password });
    // Signed in: the form's cookie is gone, a later sign-in opens the form again.
    if (answer.status === 303) this.formToken = undefined;
    return answer;
  }

  /** Starts as another browser would: the same double-submit token and cookie (a script copies them), another address. */
  from(address: string): ConsoleBrowser {
    const copy = new ConsoleBrowser(this.t, address);
    for (const [name, value] of this.cookies) copy.cookies.set(name, value);
    copy.formToken = this.formToken;
    return copy;
  }

  /** Signs in and reads the session's CSRF token from a page, as the console's own forms carry it. */
  async signedIn(email: string, password: string): Promise<this> {
    const answer = await this.signIn(email, password);
    if (answer.status !== 303) throw new Error(`sign-in answered ${answer.status}: ${answer.text.slice(0, 300)}`);
    const page = await this.get('/console/tickets');
    this.csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(page.text)?.[1] ?? '';
    return this;
  }

  signOut(): Promise<Response> {
    return this.postForm('/console/sign-out', { _csrf: this.csrf });
  }

  async get(path: string): Promise<Response> {
    return this.remember(
      await this.t.http().get(path).set('X-Forwarded-For', this.address).set('Cookie', this.cookieHeader()),
    );
  }

  /** A form post; with a value that is not text the fields go as JSON instead, as a script could send them. */
  async postForm(path: string, fields: Record<string, unknown>): Promise<Response> {
    const request = this.t.http().post(path).set('X-Forwarded-For', this.address).set('Cookie', this.cookieHeader());
    const plain = Object.values(fields).every(
      (v) => typeof v === 'string' || (Array.isArray(v) && v.every((item) => typeof item === 'string')),
    );
    if (!plain) return this.remember(await request.send(fields));
    // URLSearchParams repeats a field given as a list (`email=a&email=b`), as a tampered form would.
    const form = new URLSearchParams();
    for (const [name, value] of Object.entries(fields))
      for (const item of [value as string | string[]].flat()) form.append(name, item);
    return this.remember(await request.type('form').send(form.toString()));
  }

  /** Headers for a raw connection (an event stream) with this browser's cookies. */
  headers(): Record<string, string> {
    return { Cookie: this.cookieHeader(), 'X-Forwarded-For': this.address };
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private remember(answer: Response): Response {
    const set = answer.headers['set-cookie'] as unknown;
    for (const line of Array.isArray(set) ? (set as string[]) : []) {
      const [pair, ...attributes] = line.split(';');
      const [name, ...value] = pair.split('=');
      if (attributes.some((a) => /^\s*Expires=Thu, 01 Jan 1970/i.test(a))) this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value.join('='));
    }
    return answer;
  }
}

/** How many answers had each status, e.g. { 401: 5, 429: 35 }. */
export function statusCounts(answers: { status: number }[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const a of answers) counts[a.status] = (counts[a.status] ?? 0) + 1;
  return counts;
}

export const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/**
 * Runs `attempt(0 … total-1)` with at most `connections` in flight, as one client with that many connections sends
 * them: as fast as the service answers. The client runs in the service's own process here, so hundreds of requests
 * opened at one instant would measure the test's HTTP client as much as the service.
 */
export async function flood<T>(total: number, connections: number, attempt: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array<T>(total);
  let next = 0;
  await Promise.all(
    range(Math.min(connections, total)).map(async () => {
      while (next < total) {
        const i = next++;
        results[i] = await attempt(i);
      }
    }),
  );
  return results;
}
