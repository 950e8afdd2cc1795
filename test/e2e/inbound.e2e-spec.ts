import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Response } from 'supertest';
import { Clock } from '../../src/sms/clock/clock';
import { InboundQueue } from '../../src/sms/inbound/inbound-queue.service';
import { SmsQueue } from '../../src/sms/queues/queues';
import { signTwilioRequest, twilioForm } from '../fakes/fake-twilio';
import {
  colourAt,
  decompressionBomb,
  hasGps,
  incompressiblePng,
  PDF,
  plainPhoto,
  sidewaysPhotoWithGps,
} from '../fixtures/images';
import { eventually, PUBLIC_URL, TestAccount, TestApp } from '../support/test-app';

const BUSINESS = '+12025550100';
const WEBHOOK = '/webhooks/twilio/inbound';
const DAY_MS = 24 * 60 * 60 * 1000;

jest.setTimeout(60_000);

/** The service's clock, movable so the reply window can pass in a test. */
class MovableClock extends Clock {
  offsetMs = 0;
  override now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

interface Comment {
  id: string;
  author: { type: string; customerId: string | null };
  body: string;
  public: boolean;
  attachments: { id: string; fileName: string; contentType: string; url: string; thumbnailUrl: string | null }[];
}

interface InboundRow {
  id: string;
  status: string;
  inbound_job_id: string | null;
  kind: string;
  ticket_id: string | null;
  comment_id: string | null;
  customer_id: string | null;
  match_rule: string | null;
  match_guess: boolean;
}

const sid = (prefix: 'SM' | 'MM') => `${prefix}${randomBytes(16).toString('hex')}`;

function binary(res: Response, callback: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
}

describe('inbound SMS and MMS from Twilio', () => {
  let t: TestApp;
  let acme: TestAccount;
  let other: TestAccount;
  let storageDir: string;
  const clock = new MovableClock();
  let phoneSeq = 0;

  beforeAll(async () => {
    storageDir = await mkdtemp(join(tmpdir(), 'ticket-sms-inbound-'));
    t = await TestApp.start({
      suite: 'inbound',
      env: { STORAGE_DIR: storageDir, MEDIA_MAX_BYTES: String(2 * 1024 * 1024) },
      customize: (builder) => builder.overrideProvider(Clock).useValue(clock),
    });
    acme = await t.account('Acme IT');
    await acme.addNumber(BUSINESS, 'Front desk');
    other = await t.account('Other IT');
    await other.addNumber('+12025550200', 'Other desk');
  });

  afterAll(async () => {
    await t?.close();
    if (storageDir) await rm(storageDir, { recursive: true, force: true });
  });

  beforeEach(() => {
    t.twilio.reset();
    clock.offsetMs = 0;
  });

  /** A fresh US mobile number for each customer, so tests do not see each other's conversations. */
  const newPhone = () => `+1201555${String(1000 + ++phoneSeq).padStart(4, '0')}`;
  const national = (e164: string) => `(${e164.slice(2, 5)}) ${e164.slice(5, 8)}-${e164.slice(8)}`;

  function twilioParams(
    from: string,
    body: string,
    media: { url: string; contentType: string }[] = [],
    to = BUSINESS,
  ): Record<string, string> {
    const params: Record<string, string> = {
      ToCountry: 'US',
      ToState: 'DC',
      SmsMessageSid: '',
      NumMedia: String(media.length),
      ToCity: 'WASHINGTON',
      FromZip: '07030',
      SmsSid: '',
      FromState: 'NJ',
      SmsStatus: 'received',
      FromCity: 'HOBOKEN',
      Body: body,
      FromCountry: 'US',
      To: to,
      MessagingServiceSid: '',
      NumSegments: '1',
      MessageSid: '',
      AccountSid: t.twilio.accountSid,
      From: from,
      ApiVersion: '2010-04-01',
    };
    const messageSid = sid(media.length > 0 ? 'MM' : 'SM');
    params.SmsMessageSid = params.SmsSid = params.MessageSid = messageSid;
    media.forEach((m, i) => {
      params[`MediaUrl${i}`] = m.url;
      params[`MediaContentType${i}`] = m.contentType;
    });
    return params;
  }

  const post = (params: Record<string, string>, signature?: string) => t.postTwilio(WEBHOOK, params, signature);

  async function inboundRows(messageSid: string): Promise<InboundRow[]> {
    return t.db.query(`SELECT * FROM sms_messages WHERE provider = 'twilio' AND provider_message_id = $1`, [
      messageSid,
    ]);
  }

  /** Posts a signed text and waits until its job has landed it. */
  async function text(
    from: string,
    body: string,
    media: { url: string; contentType: string }[] = [],
  ): Promise<InboundRow> {
    const params = twilioParams(from, body, media);
    await post(params).expect(200);
    return processed(params.MessageSid);
  }

  async function processed(messageSid: string): Promise<InboundRow> {
    const [row] = await eventually(
      () => inboundRows(messageSid),
      (rows) => rows.length === 1 && rows[0].status !== 'received',
      30_000,
    );
    return row;
  }

  async function comments(ticketId: string, account = acme): Promise<Comment[]> {
    return (await account.get(`/api/tickets/${ticketId}`).expect(200)).body.comments;
  }

  async function ticket(ticketId: string) {
    return (await acme.get(`/api/tickets/${ticketId}`).expect(200)).body as {
      status: string;
      number: number;
      subject: string;
      customerId: string;
    };
  }

  /** A customer whose ticket's initial SMS was accepted, so the conversation remembers that ticket. */
  async function customerWithTicket(opts: { smsEnabled?: boolean } = {}) {
    const phone = newPhone();
    const customerId = await acme.customer([{ number: national(phone), type: 'mobile' }], {
      smsEnabled: opts.smsEnabled ?? true,
    });
    const created = await acme.ticket(customerId);
    if (opts.smsEnabled ?? true) {
      await eventually(
        () => acme.sms(created.id),
        (rows) => rows.some((r) => r.providerMessageId !== null),
      );
    }
    return { phone, customerId, ticket: created };
  }

  function addPhoto(bytes: Buffer, contentType = 'image/jpeg', options: { notFoundTimes?: number } = {}) {
    const url = t.twilio.addMedia(sid('MM'), { contentType, body: bytes, ...options });
    return { url, contentType };
  }

  async function download(url: string, account = acme): Promise<Response> {
    return account.get(url).buffer(true).parse(binary).expect(200);
  }

  describe('the webhook', () => {
    it('answers a signed text at once with empty TwiML and lands it as a public comment from the customer', async () => {
      const { phone, customerId, ticket: created } = await customerWithTicket();
      const params = twilioParams(phone, 'Thanks, the printer works again!');
      const res = await post(params).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/xml/);
      expect(res.text).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');

      const row = await processed(params.MessageSid);
      expect(row).toMatchObject({
        status: 'processed',
        kind: 'reply',
        ticket_id: created.id,
        customer_id: customerId,
        match_rule: 'last_outbound',
        match_guess: false,
      });
      const all = await comments(created.id);
      expect(all).toHaveLength(1);
      expect(all[0]).toMatchObject({
        body: 'Thanks, the printer works again!',
        public: true,
        author: { type: 'customer', customerId },
      });
      expect((await ticket(created.id)).status).toBe('Customer Reply');

      const message = (await acme.get(`/api/sms/messages/${row.id}`).expect(200)).body;
      expect(message).toMatchObject({
        direction: 'inbound',
        from: phone,
        to: BUSINESS,
        matchRule: 'last_outbound',
        matchGuess: false,
        ticketId: created.id,
      });
    });

    it('refuses a forged or missing signature with 403 and stores nothing', async () => {
      const params = twilioParams(newPhone(), 'forged');
      const forged = signTwilioRequest('not-the-auth-token', `${PUBLIC_URL}${WEBHOOK}`, params);
      await post(params, forged).expect(403);
      await t.http().post(WEBHOOK).type('form').send(twilioForm(params)).expect(403);
      // Signed for another URL (the Host header is never trusted).
      await post(params, signTwilioRequest(t.twilio.authToken, `https://evil.example${WEBHOOK}`, params)).expect(403);
      // A field added after signing.
      const signature = signTwilioRequest(t.twilio.authToken, `${PUBLIC_URL}${WEBHOOK}`, params);
      await post({ ...params, Body: 'changed in transit' }, signature).expect(403);
      expect(await inboundRows(params.MessageSid)).toHaveLength(0);
    });

    it('answers a signed but malformed body with 400, naming what is wrong, and stores nothing', async () => {
      const params = twilioParams(newPhone(), 'no sender');
      delete params.From;
      params.NumMedia = 'two';
      const res = await post(params).expect(400);
      expect(res.body.message).toEqual(
        expect.arrayContaining([
          'From must be the sender phone number',
          'NumMedia must be a whole number from 0 to 10',
        ]),
      );

      const missingMedia = twilioParams(newPhone(), 'photo?');
      missingMedia.NumMedia = '1';
      expect((await post(missingMedia).expect(400)).body.message).toEqual([
        'MediaUrl0 is missing although NumMedia is 1',
      ]);
      expect(await inboundRows(params.MessageSid)).toHaveLength(0);
      expect(await inboundRows(missingMedia.MessageSid)).toHaveLength(0);
    });

    it('stores a text to a number no account owns as unroutable, answers 200, and does nothing else', async () => {
      const params = twilioParams(newPhone(), 'wrong number', [], '+12025550999');
      await post(params).expect(200);
      await post(params).expect(200);
      expect(await inboundRows(params.MessageSid)).toHaveLength(0);
      const kept = await t.db.query(
        `SELECT to_number, body FROM sms_unroutable_messages WHERE provider_message_id = $1`,
        [params.MessageSid],
      );
      expect(kept).toEqual([{ to_number: '+12025550999', body: 'wrong number' }]);
    });

    it('stores a text whose media type is cut to its 200-character limit in the middle of an emoji', async () => {
      const { phone, ticket: created } = await customerWithTicket();
      const photo = addPhoto(await plainPhoto());
      const contentType = `image/jpeg; name=${'x'.repeat(182)}\u{1F600}`;
      expect(contentType.slice(0, 200)).toMatch(/\uD83D$/);
      const params = twilioParams(phone, 'Photo of the error', [{ url: photo.url, contentType }]);
      await post(params).expect(200);
      expect(await processed(params.MessageSid)).toMatchObject({ status: 'processed', ticket_id: created.id });
      const [comment] = await comments(created.id);
      expect(comment.body).toBe('Photo of the error');
      expect(comment.attachments).toHaveLength(1);
    });

    it('gives one comment for the same webhook delivered three times in a row and three times at once', async () => {
      const { phone, ticket: created } = await customerWithTicket();
      const first = twilioParams(phone, 'Delivered three times');
      for (let i = 0; i < 3; i++) await post(first).expect(200);
      await processed(first.MessageSid);

      const second = twilioParams(phone, 'Delivered three times at once', [addPhoto(await plainPhoto())]);
      await Promise.all([post(second).expect(200), post(second).expect(200), post(second).expect(200)]);
      await processed(second.MessageSid);
      await post(second).expect(200);
      await t.inboundHandled(phone);

      expect(await inboundRows(first.MessageSid)).toHaveLength(1);
      expect(await inboundRows(second.MessageSid)).toHaveLength(1);
      const all = await comments(created.id);
      expect(all.map((c) => c.body)).toEqual(['Delivered three times', 'Delivered three times at once']);
      expect(all[1].attachments).toHaveLength(1);
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM attachments WHERE ticket_id = $1`, [created.id]);
      expect(n).toBe(1);
    });

    it('is not offered to the sandbox endpoint while Twilio is the provider', async () => {
      await acme.post('/api/sms/sandbox/inbound', { from: newPhone(), to: BUSINESS, body: 'hi' }).expect(404);
    });
  });

  describe('MMS', () => {
    it('makes one public comment with the text and two cleaned photos with thumbnails, and names the PDF as left out', async () => {
      const { phone, ticket: created } = await customerWithTicket();
      const sideways = await sidewaysPhotoWithGps();
      expect(await hasGps(sideways)).toBe(true);
      const media = [
        addPhoto(sideways),
        addPhoto(await plainPhoto(1024, 768, 'orange')),
        addPhoto(PDF, 'application/pdf'),
      ];

      const row = await text(phone, 'Here is the broken screen', media);
      expect(row).toMatchObject({ status: 'processed', ticket_id: created.id });

      const [comment] = await comments(created.id);
      expect(comment.public).toBe(true);
      expect(comment.body).toBe(
        'Here is the broken screen\n\nAttachment 3 of 3 was left out: the file is a PDF document, not a picture.',
      );
      expect(comment.attachments).toHaveLength(2);
      expect(comment.attachments.map((a) => a.fileName)).toEqual(['photo-1.jpg', 'photo-2.jpg']);
      for (const a of comment.attachments) {
        expect(a.url).toBe(`/api/attachments/${a.id}`);
        expect(a.thumbnailUrl).toBe(`/api/attachments/${a.id}/thumbnail`);
      }

      // The stored photo is upright (red half on top), 400 × 800, with no EXIF at all and so no GPS.
      const stored = await download(comment.attachments[0].url);
      expect(stored.headers['content-type']).toBe('image/jpeg');
      expect(stored.headers['x-content-type-options']).toBe('nosniff');
      const photo = stored.body as Buffer;
      const meta = await sharp(photo).metadata();
      expect([meta.width, meta.height]).toEqual([400, 800]);
      expect(meta.exif).toBeUndefined();
      expect(meta.orientation).toBeUndefined();
      expect(await hasGps(photo)).toBe(false);
      expect(photo.includes(Buffer.from('PhoneCo'))).toBe(false);
      expect((await colourAt(photo, 196, 100)).r).toBeGreaterThan(200);
      expect((await colourAt(photo, 196, 700)).b).toBeGreaterThan(200);

      const thumb = await sharp((await download(comment.attachments[0].thumbnailUrl!)).body as Buffer).metadata();
      expect([thumb.width, thumb.height]).toEqual([160, 320]);

      // Credentials went to the Twilio API host only, never to the CDN it redirected to.
      const mediaRequests = t.twilio.requests.filter((r) => r.path.includes('/Media/'));
      expect(mediaRequests.length).toBeGreaterThanOrEqual(3);
      expect(mediaRequests.every((r) => r.authorized)).toBe(true);
      expect(t.twilio.cdnRequests.length).toBeGreaterThanOrEqual(3);
      expect(t.twilio.cdnRequests.every((r) => !r.hadAuthorization)).toBe(true);

      const media_ = await t.db.query(
        `SELECT position, status, content_type, rejection_reason FROM sms_media WHERE message_id = $1 ORDER BY position`,
        [row.id],
      );
      expect(media_).toEqual([
        { position: 0, status: 'stored', content_type: 'image/jpeg', rejection_reason: null },
        { position: 1, status: 'stored', content_type: 'image/jpeg', rejection_reason: null },
        { position: 2, status: 'rejected', content_type: null, rejection_reason: 'not_an_image' },
      ]);
    });

    it('does not fetch a media URL on another host, and the text still lands', async () => {
      const { phone, ticket: created } = await customerWithTicket();
      const genuine = addPhoto(await plainPhoto());
      const elsewhere = genuine.url.replace(t.twilio.url, t.twilio.cdnUrl);
      await text(phone, 'One real, one not', [genuine, { url: elsewhere, contentType: 'image/jpeg' }]);
      const [comment] = await comments(created.id);
      expect(comment.attachments).toHaveLength(1);
      expect(comment.body).toContain(
        "Attachment 2 of 2 was left out: it did not come from our SMS provider's media server",
      );
      expect(t.twilio.cdnRequests.filter((r) => r.path.startsWith('/2010-04-01'))).toHaveLength(0);
    });

    it('rejects an oversize image and a 20,000 × 20,000 PNG with their reasons, and the text still lands', async () => {
      const { phone, ticket: created } = await customerWithTicket();
      const oversize = await incompressiblePng(1000, 1000);
      expect(oversize.length).toBeGreaterThan(2 * 1024 * 1024);
      const bomb = await decompressionBomb();
      const row = await text(phone, 'Two huge pictures', [
        addPhoto(oversize, 'image/png'),
        addPhoto(bomb, 'image/png'),
      ]);
      const [comment] = await comments(created.id);
      expect(comment.attachments).toHaveLength(0);
      expect(comment.body).toMatch(/^Two huge pictures\n\n/);
      expect(comment.body).toMatch(/Attachment 1 of 2 was left out: the file is 2\.9 MB, more than the 2 MB limit\./);
      expect(comment.body).toMatch(
        /Attachment 2 of 2 was left out: the picture is 20000 × 20000 pixels \(400 megapixels\), more than the 26.8 megapixel limit for PNG pictures\./,
      );
      const reasons = await t.db.query(
        `SELECT rejection_reason FROM sms_media WHERE message_id = $1 ORDER BY position`,
        [row.id],
      );
      expect(reasons.map((r: { rejection_reason: string }) => r.rejection_reason)).toEqual([
        'too_large',
        'too_many_pixels',
      ]);
    }, 60_000);

    it('waits for media Twilio has not finished storing, and deletes it at Twilio once stored when the account asks', async () => {
      await acme.put('/api/sms/settings', { deleteProviderMedia: true }).expect(200);
      try {
        const { phone, ticket: created } = await customerWithTicket();
        const late = addPhoto(await plainPhoto(), 'image/jpeg', { notFoundTimes: 2 });
        await text(phone, 'Photo a moment late', [late]);
        const [comment] = await comments(created.id);
        expect(comment.attachments).toHaveLength(1);
        expect(t.twilio.hasMedia(late.url)).toBe(false);
      } finally {
        await acme.put('/api/sms/settings', { deleteProviderMedia: false }).expect(200);
      }
    });
  });

  describe('reply matching', () => {
    it('a: a ticket number in the text of one of the customer’s tickets wins; another customer’s number is ignored', async () => {
      const { phone, customerId, ticket: second } = await customerWithTicket();
      const first = await acme.ticket(customerId, undefined, 'Laptop fan noisy', 'Loud fan');
      const stranger = await customerWithTicket();
      // The conversation now points at `first` (its initial SMS was the last one sent).
      await eventually(
        () => acme.sms(first.id),
        (rows) => rows.some((r) => r.providerMessageId !== null),
      );

      const named = await text(phone, `About ticket ${second.number}: it is fine now`);
      expect(named).toMatchObject({ ticket_id: second.id, match_rule: 'ticket_reference' });
      const hash = await text(phone, `Re #${second.number}, thanks`);
      expect(hash).toMatchObject({ ticket_id: second.id, match_rule: 'ticket_reference' });
      const foreign = await text(phone, `Is #${stranger.ticket.number} mine?`);
      expect(foreign).toMatchObject({ ticket_id: first.id, match_rule: 'last_outbound' });
    });

    it('b: the ticket of the last SMS sent in the conversation within the reply window; after it, the next rule', async () => {
      const { phone, customerId, ticket: older } = await customerWithTicket();
      const newer = await acme.ticket(customerId, undefined, 'Second issue', 'Another problem');
      await eventually(
        () => acme.sms(newer.id),
        (rows) => rows.some((r) => r.providerMessageId !== null),
      );
      await acme
        .post(`/api/tickets/${older.id}/updates`, { smsBody: 'Can you send a photo of the error?' })
        .expect(201);
      await eventually(
        () => acme.sms(older.id),
        (rows) => rows.some((r) => r.kind === 'ticket_update') && rows.every((r) => r.providerMessageId !== null),
      );
      // An email-only update makes `newer` the most recently updated ticket.
      await acme.post(`/api/tickets/${newer.id}/updates`, { emailBody: 'Ordered a part' }).expect(201);

      expect(await text(phone, 'Sure, here it is')).toMatchObject({
        ticket_id: older.id,
        match_rule: 'last_outbound',
        match_guess: false,
      });

      clock.offsetMs = 8 * DAY_MS;
      await acme.post(`/api/tickets/${newer.id}/updates`, { emailBody: 'Part arrived' }).expect(201);
      expect(await text(phone, 'Any news?')).toMatchObject({
        ticket_id: newer.id,
        match_rule: 'most_recent_open_ticket',
        match_guess: true,
      });
    });

    it('c: the customer’s only open ticket', async () => {
      const { phone, ticket: only } = await customerWithTicket({ smsEnabled: false });
      expect(await text(phone, 'Hello?')).toMatchObject({
        ticket_id: only.id,
        match_rule: 'only_open_ticket',
        match_guess: false,
      });
    });

    it('d: three open tickets and no clue: the most recent one, flagged; triage lists it and a move takes comment and photo along', async () => {
      const { phone, customerId, ticket: t1 } = await customerWithTicket({ smsEnabled: false });
      const t2 = await acme.ticket(customerId, undefined, 'Second', 'Second problem');
      const t3 = await acme.ticket(customerId, undefined, 'Third', 'Third problem');
      await acme.post(`/api/tickets/${t2.id}/updates`, { emailBody: 'Touching t2 last' }).expect(201);

      const row = await text(phone, 'It broke again, photo attached', [addPhoto(await plainPhoto())]);
      expect(row).toMatchObject({ ticket_id: t2.id, match_rule: 'most_recent_open_ticket', match_guess: true });

      const triage = (await acme.get('/api/sms/triage').expect(200)).body.messages;
      const item = triage.find((m: { id: string }) => m.id === row.id);
      expect(item).toMatchObject({ why: 'guess', matchRule: 'most_recent_open_ticket', ticketId: t2.id, from: phone });
      expect(item.candidates.map((c: { id: string }) => c.id).sort()).toEqual([t1.id, t2.id, t3.id].sort());
      expect(item.media).toEqual([
        expect.objectContaining({ position: 0, status: 'stored', contentType: 'image/jpeg' }),
      ]);

      const stranger = await customerWithTicket({ smsEnabled: false });
      const refused = await acme.post(`/api/sms/messages/${row.id}/move`, { ticketId: stranger.ticket.id }).expect(422);
      expect(refused.body.message).toMatch(/belongs to another customer/);
      await other.post(`/api/sms/messages/${row.id}/move`, { ticketId: t3.id }).expect(404);
      await acme.post(`/api/sms/messages/${row.id}/move`, { ticketId: 'not a ticket id' }).expect(400);

      const moved = await acme.post(`/api/sms/messages/${row.id}/move`, { ticketId: t3.id }).expect(200);
      expect(moved.body).toMatchObject({ ticketId: t3.id, matchRule: 'manual', matchGuess: false });
      expect((await comments(t2.id)).filter((c) => c.author.type === 'customer')).toHaveLength(0);
      const [comment] = await comments(t3.id);
      expect(comment.body).toBe('It broke again, photo attached');
      expect(comment.attachments).toHaveLength(1);
      expect((await ticket(t3.id)).status).toBe('Customer Reply');
      const [{ ticket_id }] = await t.db.query(`SELECT ticket_id FROM attachments WHERE comment_id = $1`, [comment.id]);
      expect(ticket_id).toBe(t3.id);
      const after = (await acme.get('/api/sms/triage').expect(200)).body.messages;
      expect(after.some((m: { id: string }) => m.id === row.id)).toBe(false);
    });

    it('e: no open ticket: a new ticket titled from the text, or the triage list by setting', async () => {
      const { phone, customerId, ticket: old } = await customerWithTicket({ smsEnabled: false });
      await acme.post(`/api/tickets/${old.id}/updates`, { status: 'Resolved' }).expect(201);

      const row = await text(phone, 'New problem: the scanner\nis jammed');
      expect(row).toMatchObject({ customer_id: customerId, match_rule: 'new_ticket', match_guess: false });
      expect(row.ticket_id).not.toBe(old.id);
      const opened = await ticket(row.ticket_id!);
      expect(opened).toMatchObject({ subject: 'New problem: the scanner', status: 'New', customerId });
      await acme.post(`/api/tickets/${row.ticket_id}/updates`, { status: 'Resolved' }).expect(201);

      await acme.put('/api/sms/settings', { unmatchedReplies: 'triage' }).expect(200);
      try {
        const waiting = await text(phone, 'And the fax too');
        expect(waiting).toMatchObject({
          match_rule: 'triage',
          ticket_id: null,
          comment_id: null,
          customer_id: customerId,
        });
        const item = (await acme.get('/api/sms/triage').expect(200)).body.messages.find(
          (m: { id: string }) => m.id === waiting.id,
        );
        expect(item).toMatchObject({ why: 'unmatched', candidates: [] });
        const moved = await acme.post(`/api/sms/messages/${waiting.id}/move`, { ticketId: old.id }).expect(200);
        expect(moved.body.ticketId).toBe(old.id);
        expect((await comments(old.id)).map((c) => c.body)).toContain('And the fax too');
      } finally {
        await acme.put('/api/sms/settings', { unmatchedReplies: 'new_ticket' }).expect(200);
      }
    });

    it('turns an unknown sender into a customer named after the number, with a new ticket', async () => {
      const phone = newPhone();
      const row = await text(phone, 'Hi, my email stopped syncing on my phone');
      expect(row.match_rule).toBe('new_ticket');
      const customer = (await acme.get(`/api/customers/${row.customer_id}`).expect(200)).body;
      expect(customer).toMatchObject({ name: national(phone), phones: [{ number: phone, type: 'mobile' }] });
      const opened = await ticket(row.ticket_id!);
      expect(opened).toMatchObject({ subject: 'Hi, my email stopped syncing on my phone', status: 'New' });
      expect((await comments(row.ticket_id!)).map((c) => c.body)).toEqual(['Hi, my email stopped syncing on my phone']);
    });

    it('lands two customers texting at once on their own tickets, and one new number texting twice at once on one ticket', async () => {
      const a = await customerWithTicket();
      const b = await customerWithTicket();
      const [ra, rb] = await Promise.all([text(a.phone, 'From A'), text(b.phone, 'From B')]);
      expect(ra.ticket_id).toBe(a.ticket.id);
      expect(rb.ticket_id).toBe(b.ticket.id);
      expect((await comments(a.ticket.id)).map((c) => c.body)).toEqual(['From A']);
      expect((await comments(b.ticket.id)).map((c) => c.body)).toEqual(['From B']);

      const stranger = newPhone();
      const [r1, r2] = await Promise.all([text(stranger, 'First text'), text(stranger, 'Second text')]);
      expect(r1.customer_id).toBe(r2.customer_id);
      expect(r1.ticket_id).toBe(r2.ticket_id);
      const [{ n }] = await t.db.query(
        `SELECT count(*)::int AS n FROM customer_phones WHERE account_id = $1 AND number = $2`,
        [acme.id, stranger],
      );
      expect(n).toBe(1);
      expect((await comments(r1.ticket_id!)).map((c) => c.body).sort()).toEqual(['First text', 'Second text']);
    });
  });

  describe('opt-out', () => {
    it('STOP then a ticket update gives opted_out without a provider call; START turns texts back on; each leaves a private note', async () => {
      const { phone, ticket: created } = await customerWithTicket();
      const stop = await text(phone, ' stop ');
      expect(stop).toMatchObject({ kind: 'opt_out', ticket_id: created.id });
      t.twilio.reset();

      const update = await acme.post(`/api/tickets/${created.id}/updates`, { smsBody: 'We fixed it' }).expect(201);
      const [messageId] = update.body.smsMessageIds;
      const ended = await eventually(
        async () => (await acme.get(`/api/sms/messages/${messageId}`).expect(200)).body,
        (m) => m.status !== 'pending',
      );
      expect(ended).toMatchObject({ status: 'opted_out', credits: 0 });
      expect(ended.reason).toMatch(/STOP/);
      await t.jobEnds(SmsQueue.Outbound, messageId);
      expect(t.twilio.sendAttempts()).toHaveLength(0);

      const notes = (await comments(created.id)).filter((c) => !c.public);
      expect(notes.map((c) => c.body)).toEqual([expect.stringMatching(/texted STOP .*until they text START/)]);
      expect((await comments(created.id)).some((c) => c.public && c.body.trim().toLowerCase() === 'stop')).toBe(false);

      expect(await text(phone, 'START')).toMatchObject({ kind: 'opt_in', ticket_id: created.id });
      const again = await acme.post(`/api/tickets/${created.id}/updates`, { smsBody: 'Texts are back on' }).expect(201);
      await eventually(
        async () => (await acme.get(`/api/sms/messages/${again.body.smsMessageIds[0]}`).expect(200)).body.status,
        (status) => status === 'queued',
      );
      expect(t.twilio.sentMessages().map((m) => m.to)).toEqual([phone]);
      expect((await comments(created.id)).filter((c) => !c.public)).toHaveLength(2);
    });

    it('reads YES from a customer who never opted out as an ordinary reply', async () => {
      const { phone, ticket: created } = await customerWithTicket();
      expect(await text(phone, 'Yes')).toMatchObject({ kind: 'reply', ticket_id: created.id });
      expect((await comments(created.id)).map((c) => [c.body, c.public])).toEqual([['Yes', true]]);
    });
  });

  describe('attachments and the customer portal', () => {
    it('serves attachments to the account only, and the portal shows public comments and photos but never private ones', async () => {
      const { phone, ticket: created } = await customerWithTicket();
      await text(phone, 'Photo of the <b>error</b>', [addPhoto(await plainPhoto())]);
      await acme
        .post(`/api/tickets/${created.id}/updates`, { emailBody: 'Internal: customer seems annoyed', public: false })
        .expect(201);
      await acme.post(`/api/tickets/${created.id}/updates`, { smsBody: 'A technician is on the way' }).expect(201);
      const [photoComment] = await comments(created.id);
      const attachment = photoComment.attachments[0];

      await t.http().get(attachment.url).expect(401);
      await other.get(attachment.url).expect(404);
      await other.get(`${attachment.url}/thumbnail`).expect(404);

      const [{ portal_token: token }] = await t.db.query(`SELECT portal_token FROM tickets WHERE id = $1`, [
        created.id,
      ]);
      const page = await t.http().get(`/portal/tickets/${token}`).expect(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.headers['referrer-policy']).toBe('no-referrer');
      expect(page.headers['content-security-policy']).toContain("default-src 'none'");
      expect(page.text).toContain('name="viewport"');
      expect(page.text).toContain('Photo of the &lt;b&gt;error&lt;/b&gt;');
      expect(page.text).toContain('A technician is on the way');
      expect(page.text).not.toContain('Internal: customer seems annoyed');
      expect(page.text).toContain(
        `<a href="${token}/attachments/${attachment.id}"><img src="${token}/attachments/${attachment.id}/thumbnail"`,
      );

      const full = await t
        .http()
        .get(`/portal/tickets/${token}/attachments/${attachment.id}`)
        .buffer(true)
        .parse(binary)
        .expect(200);
      expect(full.headers['content-type']).toBe('image/jpeg');
      expect((await sharp(full.body as Buffer).metadata()).width).toBe(640);
      await t.http().get(`/portal/tickets/${token}/attachments/${attachment.id}/thumbnail`).expect(200);

      // Another ticket's file through this ticket's link, a private file, an unknown link: all 404.
      const stranger = await customerWithTicket();
      await text(stranger.phone, 'Mine', [addPhoto(await plainPhoto())]);
      const [strangerComment] = await comments(stranger.ticket.id);
      await t.http().get(`/portal/tickets/${token}/attachments/${strangerComment.attachments[0].id}`).expect(404);
      await t.db.query(`UPDATE attachments SET public = false WHERE id = $1`, [attachment.id]);
      await t.http().get(`/portal/tickets/${token}/attachments/${attachment.id}`).expect(404);
      expect((await t.http().get(`/portal/tickets/${token}`).expect(200)).text).not.toContain(attachment.id);
      const missing = await t
        .http()
        .get(`/portal/tickets/${'x'.repeat(32)}`)
        .expect(404);
      expect(missing.text).toContain('This link is not valid');
    });
  });

  describe('texts landing together', () => {
    /** Posts every text at once (each a signed webhook) and waits until all have been landed. */
    async function burst(texts: { from: string; body: string; to?: string }[]): Promise<InboundRow[]> {
      const params = texts.map(({ from, body, to }) => twilioParams(from, body, [], to));
      await Promise.all(params.map((p) => post(p).expect(200)));
      return Promise.all(params.map((p) => processed(p.MessageSid)));
    }

    it('lands a burst of replies, keywords, a new number, one customer texting four times and texts to another account, each exactly once, in order and in its own account', async () => {
      const customers = await Promise.all(Array.from({ length: 8 }, () => customerWithTicket()));
      const [chatty, stopper, referrer] = customers;
      const stranger = newPhone();
      const texts = [
        ...customers.slice(3).map((c, i) => ({ from: c.phone, body: `Reply ${i} from an ordinary customer` })),
        ...[1, 2, 3, 4].map((n) => ({ from: chatty.phone, body: `Chatty part ${n}` })),
        { from: stopper.phone, body: 'STOP' },
        { from: referrer.phone, body: `About ticket #${referrer.ticket.number}: still broken` },
        { from: stranger, body: 'Hello, my laptop will not boot' },
        { from: stranger, body: 'It beeps three times' },
        // The same phones texting another account's number in the same burst: that account's customers, not Acme's.
        { from: chatty.phone, body: 'Wrong company, sorry', to: '+12025550200' },
        { from: stranger, body: 'Also wrong', to: '+12025550200' },
      ];
      const rows = await burst(texts);

      expect(rows.map((r) => r.status)).toEqual(texts.map(() => 'processed'));
      expect(new Set(rows.map((r) => r.comment_id)).size).toBe(rows.length);
      for (const [i, c] of customers.slice(3).entries()) {
        expect(rows[i]).toMatchObject({ ticket_id: c.ticket.id, match_rule: 'last_outbound' });
        expect((await comments(c.ticket.id)).map((x) => x.body)).toEqual([`Reply ${i} from an ordinary customer`]);
      }
      // One phone's texts land one at a time, in the order they came.
      const [{ order }] = await t.db.query(
        `SELECT array_agg(c.body ORDER BY c.created_at, m.created_at) AS order FROM sms_messages m JOIN comments c ON c.id::text = m.comment_id
         WHERE m.account_id = $1 AND m.from_number = $2 AND m.direction = 'inbound'`,
        [acme.id, chatty.phone],
      );
      const [{ arrival }] = await t.db.query(
        `SELECT array_agg(body ORDER BY created_at, id) AS arrival FROM sms_messages WHERE account_id = $1 AND from_number = $2 AND direction = 'inbound'`,
        [acme.id, chatty.phone],
      );
      expect(order).toEqual(arrival);
      expect([...order].sort()).toEqual(['Chatty part 1', 'Chatty part 2', 'Chatty part 3', 'Chatty part 4']);

      const stop = rows[texts.findIndex((x) => x.body === 'STOP')];
      expect(stop).toMatchObject({ kind: 'opt_out', ticket_id: stopper.ticket.id });
      expect((await comments(stopper.ticket.id)).map((c) => c.public)).toEqual([false]);
      const reference = rows[texts.findIndex((x) => x.from === referrer.phone)];
      expect(reference).toMatchObject({ ticket_id: referrer.ticket.id, match_rule: 'ticket_reference' });

      const elsewhere = rows.slice(-2);
      const [{ account }] = await t.db.query(
        `SELECT array_agg(DISTINCT account_id) AS account FROM customers WHERE id = ANY($1)`,
        [elsewhere.map((r) => r.customer_id)],
      );
      expect(account).toEqual([other.id]);
      expect(elsewhere.map((r) => r.match_rule)).toEqual(['new_ticket', 'new_ticket']);
      for (const r of elsewhere) expect((await comments(r.ticket_id!, other)).map((c) => c.body)).toHaveLength(1);
      expect(await comments(chatty.ticket.id)).toHaveLength(4);

      const fromStranger = rows.slice(-4, -2);
      expect(fromStranger[0].customer_id).toBe(fromStranger[1].customer_id);
      expect(fromStranger[0].ticket_id).toBe(fromStranger[1].ticket_id);
      expect(fromStranger.map((r) => r.match_rule).sort()).toEqual(['new_ticket', 'only_open_ticket']);
      const [{ n }] = await t.db.query(
        `SELECT count(*)::int AS n FROM customer_phones WHERE account_id = $1 AND number = $2`,
        [acme.id, stranger],
      );
      expect(n).toBe(1);
      expect((await comments(fromStranger[0].ticket_id!)).map((c) => c.body).sort()).toEqual([
        'Hello, my laptop will not boot',
        'It beeps three times',
      ]);
    });

    it("lands a contact's text after their earlier text that is still to land elsewhere, and not after one stuck for minutes", async () => {
      const { phone, ticket: created } = await customerWithTicket();
      /** A text stored as a webhook would store it, whose job has not run: the sweep is kept off it (updated_at ahead). */
      const waitingText = async (body: string, receivedAgo: string): Promise<string> => {
        const [{ id }] = await t.db.query(
          `INSERT INTO sms_messages (account_id, direction, kind, send_id, to_number, from_number, body, status, provider, provider_message_id, created_at, updated_at)
           VALUES ($1, 'inbound', 'reply', gen_random_uuid(), $2, $3, $4, 'received', 'twilio', $5, now() - $6::interval, now() + interval '1 hour') RETURNING id`,
          [acme.id, BUSINESS, phone, body, sid('SM'), receivedAgo],
        );
        return id as string;
      };

      // The first text is still to land (in another worker's batch, say) when the second comes: the second waits.
      const first = await waitingText('First, sent a moment ago', '1 second');
      const second = twilioParams(phone, 'Second, right after');
      await post(second).expect(200);
      // Its job has been taken and is trying, a whole sweep has passed, and it still waits for the first.
      const [stored] = await inboundRows(second.MessageSid);
      await eventually(
        () => t.queue(SmsQueue.Inbound).getJobState(stored.inbound_job_id ?? stored.id),
        (state) => state === 'active',
      );
      await t.sweeps(1);
      expect((await inboundRows(second.MessageSid))[0].status).toBe('received');
      await t.app
        .get(InboundQueue)
        .enqueue({ id: first, body: 'First, sent a moment ago', inboundMedia: null, inboundJobId: null });
      await processed(second.MessageSid);
      expect((await comments(created.id)).map((c) => c.body)).toEqual([
        'First, sent a moment ago',
        'Second, right after',
      ]);

      // A text stuck for longer than a contact's texts wait (its job keeps failing, or was lost) holds up nothing.
      const stuck = await waitingText('Stuck for three minutes', '3 minutes');
      const third = twilioParams(phone, 'Third, not held up');
      await post(third).expect(200);
      expect(await processed(third.MessageSid)).toMatchObject({ status: 'processed', ticket_id: created.id });
      expect((await t.db.query(`SELECT status FROM sms_messages WHERE id = $1`, [stuck]))[0].status).toBe('received');
      await t.db.query(`DELETE FROM sms_messages WHERE id = $1`, [stuck]);
    });

    it('fails only the text that cannot land: the rest of its batch lands, and it lands on a later attempt', async () => {
      const customers = await Promise.all(Array.from({ length: 5 }, () => customerWithTicket()));
      // The helpdesk refuses one comment (as a broken host would): the batch it is in fails whole.
      await t.db.query(`
        CREATE FUNCTION refuse_poisoned_comment() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.body LIKE '%poisoned%' THEN RAISE EXCEPTION 'comment refused'; END IF; RETURN NEW; END $$`);
      await t.db.query(
        `CREATE TRIGGER refuse_poisoned_comment BEFORE INSERT ON comments FOR EACH ROW EXECUTE FUNCTION refuse_poisoned_comment()`,
      );
      try {
        const params = customers.map((c, i) =>
          twilioParams(c.phone, i === 2 ? 'A poisoned text' : `Healthy text ${i}`),
        );
        await Promise.all(params.map((p) => post(p).expect(200)));
        const healthy = params.filter((_, i) => i !== 2);
        for (const [i, row] of (await Promise.all(healthy.map((p) => processed(p.MessageSid)))).entries()) {
          expect(row).toMatchObject({ status: 'processed', ticket_id: customers[i < 2 ? i : i + 1].ticket.id });
        }
        const [poisoned] = await inboundRows(params[2].MessageSid);
        expect(poisoned).toMatchObject({ status: 'received', comment_id: null });
      } finally {
        await t.db.query(`DROP TRIGGER refuse_poisoned_comment ON comments`);
        await t.db.query(`DROP FUNCTION refuse_poisoned_comment()`);
      }
      // Its job tries again (with backoff) and now lands it, once.
      const poisonedSid = (
        await t.db.query(`SELECT provider_message_id FROM sms_messages WHERE body = 'A poisoned text'`)
      )[0].provider_message_id as string;
      expect(await processed(poisonedSid)).toMatchObject({ status: 'processed', ticket_id: customers[2].ticket.id });
      expect((await comments(customers[2].ticket.id)).map((c) => c.body)).toEqual(['A poisoned text']);
    });
  });

  describe('reliability', () => {
    it('processes an inbound row left `received` without a job (a flushed Redis) through the outbox sweep', async () => {
      const { phone, ticket: created } = await customerWithTicket();
      const messageSid = sid('SM');
      await t.db.query(
        `INSERT INTO sms_messages (account_id, direction, kind, send_id, to_number, from_number, body, status, provider, provider_message_id, updated_at)
         VALUES ($1, 'inbound', 'reply', gen_random_uuid(), $2, $3, 'Sent while Redis was down', 'received', 'twilio', $4, now() - interval '1 minute')`,
        [acme.id, BUSINESS, phone, messageSid],
      );
      expect(await processed(messageSid)).toMatchObject({ status: 'processed', ticket_id: created.id });
      expect((await comments(created.id)).map((c) => c.body)).toEqual(['Sent while Redis was down']);
    });

    it('lets an admin set the reply window and what happens to unmatched replies, refusing nonsense', async () => {
      const settings = (await acme.get('/api/sms/settings').expect(200)).body;
      expect(settings).toMatchObject({
        replyWindowDays: 7,
        unmatchedReplies: 'new_ticket',
        deleteProviderMedia: false,
      });
      await acme.put('/api/sms/settings', { replyWindowDays: 0 }).expect(400);
      await acme.put('/api/sms/settings', { unmatchedReplies: 'drop' }).expect(400);
      const tech = await acme.technician();
      await acme.put('/api/sms/settings', { replyWindowDays: 3 }, tech.token).expect(403);
      expect((await acme.put('/api/sms/settings', { replyWindowDays: 3 }).expect(200)).body.replyWindowDays).toBe(3);
      await acme.put('/api/sms/settings', { replyWindowDays: 7 }).expect(200);
    });
  });
});
