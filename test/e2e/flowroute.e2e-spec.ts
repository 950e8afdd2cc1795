/**
 * An account that brings its own Flowroute account: settings with sealed secrets, ticket SMS through Flowroute
 * instead of the platform's Twilio (no credits), delivery receipts, inbound SMS/MMS through the per-account
 * webhook, and the provider rate limit. Real PostgreSQL, Redis and BullMQ; fake Twilio and fake Flowroute servers.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeFlowroute, flowrouteDeliveryReceipt, flowrouteInboundBody } from '../fakes/fake-flowroute';
import { plainPhoto } from '../fixtures/images';
import { SmsQueue } from '../../src/sms/queues/queues';
import { eventually, PUBLIC_URL, SmsRow, TestAccount, TestApp } from '../support/test-app';

jest.setTimeout(90_000);

const ACME_NUMBER = '+12025550100';
const SECRETS_KEY = randomBytes(32).toString('base64');

interface FlowrouteView {
  accessKey: string | null;
  secretKey: string | null;
  inboundUrl: string | null;
  problem: string | null;
}

describe('an account on its own Flowroute account', () => {
  let t: TestApp;
  let flowroute: FakeFlowroute;
  let acme: TestAccount;
  let other: TestAccount;
  let storageDir: string;
  let token: string;
  let phoneSeq = 0;

  beforeAll(async () => {
    flowroute = await FakeFlowroute.start();
    storageDir = await mkdtemp(join(tmpdir(), 'ticket-sms-flowroute-'));
    t = await TestApp.start({
      suite: 'flowroute',
      env: {
        SECRETS_KEY,
        FLOWROUTE_API_URL: flowroute.url,
        FLOWROUTE_MEDIA_HOSTS: flowroute.mediaHost,
        MEDIA_PRIVATE_ADDRESS_HOSTS: flowroute.mediaHost,
        FLOWROUTE_TIMEOUT_MS: '2000',
        STORAGE_DIR: storageDir,
      },
    });
    acme = await t.account('Acme IT');
    await acme.addNumber(ACME_NUMBER, 'Front desk');
    other = await t.account('Other IT');
    await other.addNumber('+12025550200', 'Other desk');
    // One segment per ticket, so each ticket is one text (the default template runs to two with its portal link).
    await acme
      .put('/api/sms/templates/initial_problem', {
        body: 'Acme IT got your request #{{ticket.number}}: {{ticket.subject}}',
      })
      .expect(200);
  });

  afterAll(async () => {
    await t?.close();
    await flowroute?.close();
    if (storageDir) await rm(storageDir, { recursive: true, force: true });
  });

  beforeEach(() => {
    t.twilio.reset();
    // The platform's numbers stay in its Twilio account: switching back to the platform checks them there again.
    t.twilio.ownNumber(ACME_NUMBER);
    t.twilio.ownNumber('+12025550200');
    flowroute.reset();
  });

  const newPhone = () => `+1201555${String(2000 + ++phoneSeq).padStart(4, '0')}`;
  const credentials = () => ({ accessKey: flowroute.accessKey, secretKey: flowroute.secretKey });
  const settings = async (account = acme) =>
    (await account.get('/api/sms/settings').expect(200)).body as { provider: string; flowroute: FlowrouteView };
  const settingsRow = async (account = acme) =>
    (
      (await t.db.query(`SELECT * FROM sms_settings WHERE account_id = $1`, [account.id])) as Record<string, unknown>[]
    )[0];

  async function settled(ticketId: string, count = 1, account = acme): Promise<SmsRow[]> {
    return eventually(
      () => account.sms(ticketId),
      (rows) =>
        rows.filter((r) => r.direction === 'outbound').length >= count &&
        rows.every((r) => !['pending', 'submitting'].includes(r.status)),
    );
  }

  async function useFlowroute(): Promise<void> {
    await acme.put('/api/sms/settings', { provider: 'flowroute', flowroute: credentials() }).expect(200);
    token = new URL((await settings()).flowroute.inboundUrl!).pathname.split('/')[3];
  }

  async function ticketFor(phone: string, account = acme) {
    const customerId = await account.customer([{ number: phone, type: 'mobile' }]);
    return { customerId, ticket: await account.ticket(customerId) };
  }

  describe('settings', () => {
    it('stores the keys sealed, returns them masked to the last four characters, and never in the clear', async () => {
      expect(await settings()).toMatchObject({ provider: 'platform', flowroute: null });

      const saved = await acme.put('/api/sms/settings', { flowroute: credentials() }).expect(200);
      expect(saved.body.provider).toBe('platform');
      expect(saved.body.flowroute).toEqual({
        accessKey: `••••${flowroute.accessKey.slice(-4)}`,
        secretKey: `••••${flowroute.secretKey.slice(-4)}`,
        inboundUrl: expect.stringMatching(new RegExp(`^${PUBLIC_URL}/webhooks/flowroute/[A-Za-z0-9_-]{32}/inbound$`)),
        problem: null,
      });
      for (const body of [saved.body, await settings()]) {
        const json = JSON.stringify(body);
        expect(json).not.toContain(flowroute.secretKey);
        expect(json).not.toContain(flowroute.accessKey);
        expect(json).not.toMatch(/flowrouteCredentials|flowrouteWebhookToken/);
      }

      const row = await settingsRow();
      const stored = JSON.stringify(row);
      expect(stored).not.toContain(flowroute.secretKey);
      expect(stored).not.toContain(flowroute.accessKey);
      const inboundToken = new URL(saved.body.flowroute.inboundUrl).pathname.split('/')[3];
      expect(stored).not.toContain(inboundToken);
      expect(row.flowroute_credentials).toMatch(/^v1\.[0-9a-f]{8}\./);
      expect(row.flowroute_webhook_token).toMatch(/^v1\.[0-9a-f]{8}\./);
      expect(row.flowroute_webhook_token_hash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('refuses bad input with a reason and changes nothing', async () => {
      const before = await settingsRow();
      expect((await acme.put('/api/sms/settings', { provider: 'nexmo' }).expect(400)).body.message).toContain(
        'provider must be platform or flowroute',
      );
      expect(
        (await acme.put('/api/sms/settings', { flowroute: { accessKey: 'abc' } }).expect(400)).body.message,
      ).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/accessKey must be at least 8/),
          expect.stringMatching(/secretKey/),
        ]),
      );
      const tech = await acme.technician();
      await acme.put('/api/sms/settings', { provider: 'flowroute' }, tech.token).expect(403);
      await acme.get('/api/sms/settings', tech.token).expect(403);
      expect(await settingsRow()).toEqual(before);

      // Flowroute without credentials, and removing the credentials in use.
      const bare = await t.account('Bare IT');
      expect((await bare.put('/api/sms/settings', { provider: 'flowroute' }).expect(422)).body.message).toMatch(
        /needs its access key and secret key/,
      );
      await bare.put('/api/sms/settings', { provider: 'flowroute', flowroute: credentials() }).expect(200);
      expect((await bare.put('/api/sms/settings', { flowroute: null }).expect(422)).body.message).toMatch(
        /Switch the provider to platform/,
      );
      const removed = await bare.put('/api/sms/settings', { provider: 'platform', flowroute: null }).expect(200);
      expect(removed.body).toMatchObject({ provider: 'platform', flowroute: { accessKey: null, secretKey: null } });
    });

    it('tests a connection with the saved keys, with keys not saved yet, and says when there are none', async () => {
      await acme.put('/api/sms/settings', { flowroute: credentials() }).expect(200);
      expect((await acme.post('/api/sms/settings/flowroute/test', {}).expect(200)).body).toEqual({
        ok: true,
        message: 'Flowroute accepted the access key and secret key',
      });
      const wrong = await acme
        .post('/api/sms/settings/flowroute/test', {
          flowroute: { accessKey: flowroute.accessKey, secretKey: 'wrong-secret-key' },
        })
        .expect(200);
      expect(wrong.body).toEqual({ ok: false, message: 'Flowroute refused the access key and secret key (HTTP 401)' });
      expect(flowroute.requests.every((r) => r.method === 'GET')).toBe(true);
      expect((await other.post('/api/sms/settings/flowroute/test', {}).expect(422)).body.message).toMatch(
        /No Flowroute credentials to test/,
      );
    });
  });

  describe('sending', () => {
    beforeAll(() => useFlowroute());

    it('sends the ticket SMS through Flowroute, not Twilio, and debits no credit', async () => {
      const phone = newPhone();
      const { ticket } = await ticketFor(phone);
      const [row] = await settled(ticket.id);
      expect(row).toMatchObject({
        kind: 'initial_problem',
        to: phone,
        from: ACME_NUMBER,
        status: 'accepted',
        providerMessageId: expect.stringMatching(/^mdr2-/),
      });

      expect(await t.jobEnds(SmsQueue.Outbound, row.id)).toBe('completed');
      const sent = flowroute.sentMessages();
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({
        id: row.providerMessageId,
        to: phone.slice(1),
        from: ACME_NUMBER.slice(1),
        body: row.body,
        accessKey: flowroute.accessKey,
      });
      expect(sent[0].dlrCallback).toBe(`${PUBLIC_URL}/webhooks/flowroute/${token}/dlr?m=${row.id}`);
      expect(t.twilio.sentMessages()).toHaveLength(0);

      const message = (await acme.get(`/api/sms/messages/${row.id}`).expect(200)).body;
      expect(message).toMatchObject({ provider: 'flowroute', credits: 0, segments: 1 });
      const debits = await t.db.query(`SELECT * FROM sms_credit_entries WHERE account_id = $1 AND kind = 'debit'`, [
        acme.id,
      ]);
      expect(debits).toHaveLength(0);
      expect((await acme.get('/api/sms/credits').expect(200)).body.metered).toBe(false);
      expect((await other.get('/api/sms/credits').expect(200)).body.metered).toBe(true);
    });

    it('backs the Flowroute account off for a second after a 429, retries, and sends the SMS once', async () => {
      flowroute.failNext(2, { status: 429 });
      const phone = newPhone();
      const { ticket } = await ticketFor(phone);
      const [row] = await settled(ticket.id);
      expect(row.status).toBe('accepted');
      expect(await t.jobEnds(SmsQueue.Outbound, row.id)).toBe('completed');
      const attempts = flowroute.sendAttempts().map((r) => r.time);
      expect(attempts).toHaveLength(3);
      expect(attempts[1] - attempts[0]).toBeGreaterThanOrEqual(950);
      expect(attempts[2] - attempts[1]).toBeGreaterThanOrEqual(950);
      expect(flowroute.sentMessages()).toHaveLength(1);
    });

    it('does not send twice when Flowroute failed after creating the message', async () => {
      flowroute.failNext(1, { status: 500, createdAnyway: true });
      const phone = newPhone();
      const { ticket } = await ticketFor(phone);
      const [row] = await settled(ticket.id);
      expect(await t.jobEnds(SmsQueue.Outbound, row.id)).toBe('completed');
      expect(flowroute.sentMessages()).toHaveLength(1);
      expect(row.providerMessageId).toBe(flowroute.sentMessages()[0].id);
    });

    it('ends a text to a number outside North America as failed, with the reason, without calling Flowroute', async () => {
      const { ticket } = await ticketFor('+447911123456');
      const [row] = await settled(ticket.id);
      expect(row).toMatchObject({
        status: 'failed',
        errorCode: 'not_nanp',
        reason: expect.stringMatching(/North American/),
      });
      expect(flowroute.sendAttempts()).toHaveLength(0);
    });

    it('keeps to 5 SMS a second per Flowroute account, without failing or repeating any', async () => {
      const tickets = await Promise.all(Array.from({ length: 12 }, () => ticketFor(newPhone()).then((x) => x.ticket)));
      for (const ticket of tickets) await settled(ticket.id);
      const times = flowroute
        .sendAttempts()
        .map((r) => r.time)
        .sort((a, b) => a - b);
      expect(times).toHaveLength(12);
      expect(new Set(flowroute.sentMessages().map((m) => m.to)).size).toBe(12);
      // Six sends never reach Flowroute within one second (a few ms allowed for the hop from Redis's clock to the fake's).
      const windows = times.slice(5).map((time, i) => time - times[i]);
      expect(Math.min(...windows)).toBeGreaterThanOrEqual(980);
      expect(times[11] - times[0]).toBeGreaterThanOrEqual(2000);
    });
  });

  describe('delivery receipts', () => {
    beforeAll(() => useFlowroute());

    const receipt = (path: string, body: object) =>
      t.http().post(path).set('Content-Type', 'application/vnd.api+json').send(JSON.stringify(body));
    const status = async (id: string, account = acme) =>
      (await account.get(`/api/sms/messages/${id}`).expect(200)).body as { status: string; errorCode: string | null };

    it('move the status forward only: a late level-1 receipt never undoes delivered', async () => {
      const { ticket } = await ticketFor(newPhone());
      const [row] = await settled(ticket.id);
      const dlr = `/webhooks/flowroute/${token}/dlr?m=${row.id}`;
      const id = row.providerMessageId!;

      await receipt(dlr, flowrouteDeliveryReceipt({ id, level: 1, status: 'smsc submit', statusCode: 1003 })).expect(
        200,
      );
      expect((await status(row.id)).status).toBe('sent');
      await receipt(dlr, flowrouteDeliveryReceipt({ id, level: 2, status: 'delivered', statusCode: 1000 })).expect(200);
      expect((await status(row.id)).status).toBe('delivered');
      const late = await receipt(
        dlr,
        flowrouteDeliveryReceipt({ id, level: 1, status: 'message buffered', statusCode: 1002 }),
      ).expect(200);
      expect(late.body).toEqual({ result: 'stale' });
      expect((await status(row.id)).status).toBe('delivered');
    });

    it('find the message by record id alone, and keep the carrier code of a failure', async () => {
      const { ticket } = await ticketFor(newPhone());
      const [row] = await settled(ticket.id);
      await receipt(
        `/webhooks/flowroute/${token}/dlr`,
        flowrouteDeliveryReceipt({ id: row.providerMessageId!, level: 2, status: 'undelivered', statusCode: 4001 }),
      ).expect(200);
      expect(await status(row.id)).toMatchObject({ status: 'undelivered', errorCode: '4001' });
    });

    it('answer 404 for a wrong token, 400 for a malformed body, and never touch another account’s message', async () => {
      const { ticket } = await ticketFor(newPhone());
      const [row] = await settled(ticket.id);
      const body = flowrouteDeliveryReceipt({
        id: row.providerMessageId!,
        level: 2,
        status: 'delivered',
        statusCode: 1000,
      });
      const wrong = randomBytes(24).toString('base64url');
      expect((await receipt(`/webhooks/flowroute/${wrong}/dlr?m=${row.id}`, body).expect(404)).body.message).toBe(
        'No such webhook',
      );
      await receipt(`/webhooks/flowroute/not-even-a-token/dlr`, body).expect(404);
      expect(
        (
          await receipt(`/webhooks/flowroute/${token}/dlr`, {
            data: { id: 'x', type: 'message', attributes: {} },
          }).expect(400)
        ).body.message,
      ).toMatch(/delivery_receipt/);
      expect((await status(row.id)).status).toBe('accepted');

      // Another account's own Flowroute token cannot move Acme's message.
      await other.put('/api/sms/settings', { flowroute: credentials() }).expect(200);
      const otherToken = new URL((await settings(other)).flowroute.inboundUrl!).pathname.split('/')[3];
      expect((await receipt(`/webhooks/flowroute/${otherToken}/dlr?m=${row.id}`, body).expect(200)).body).toEqual({
        result: 'unknown',
      });
      expect((await status(row.id)).status).toBe('accepted');
    });
  });

  describe('inbound', () => {
    beforeAll(() => useFlowroute());

    const inbound = (path: string, body: object) =>
      t.http().post(path).set('Content-Type', 'application/json').send(body);
    const rows = (recordId: string) =>
      t.db.query(`SELECT * FROM sms_messages WHERE provider = 'flowroute' AND provider_message_id = $1`, [
        recordId,
      ]) as Promise<Record<string, unknown>[]>;

    it('lands an MMS on the right ticket with its photo, through the same pipeline as Twilio', async () => {
      const phone = newPhone();
      const { customerId, ticket } = await ticketFor(phone);
      await settled(ticket.id);
      const photo = flowroute.addMedia({
        contentType: 'image/jpeg',
        body: await plainPhoto(1200, 900),
        fileName: 'IMG_0042.jpg',
      });
      const body = flowrouteInboundBody({
        from: phone.slice(1),
        to: ACME_NUMBER.slice(1),
        body: 'The error on the screen',
        media: [photo],
      });

      const res = await inbound(`/webhooks/flowroute/${token}/inbound`, body).expect(200);
      expect(res.body).toEqual({ result: 'stored' });
      await inbound(`/webhooks/flowroute/${token}/inbound`, body).expect(200); // Flowroute retries: a no-op

      const [row] = await eventually(
        () => rows(body.data.id),
        (r) => r.length === 1 && r[0].status !== 'received',
        30_000,
      );
      expect(row).toMatchObject({
        status: 'processed',
        ticket_id: ticket.id,
        customer_id: customerId,
        from_number: phone,
        to_number: ACME_NUMBER,
      });
      const detail = (await acme.get(`/api/tickets/${ticket.id}`).expect(200)).body as {
        status: string;
        comments: {
          body: string;
          public: boolean;
          author: { type: string };
          attachments: { contentType: string; thumbnailUrl: string | null }[];
        }[];
      };
      expect(detail.status).toBe('Customer Reply');
      expect(detail.comments).toHaveLength(1);
      expect(detail.comments[0]).toMatchObject({
        body: 'The error on the screen',
        public: true,
        author: { type: 'customer' },
      });
      expect(detail.comments[0].attachments).toEqual([
        expect.objectContaining({ contentType: 'image/jpeg', thumbnailUrl: expect.any(String) }),
      ]);
      // Public storage links: fetched once, and no credentials went with them.
      expect(flowroute.mediaRequests.map((r) => [r.status, r.hadAuthorization])).toEqual([[200, false]]);
    });

    it('answers 404 to a wrong token and stores nothing', async () => {
      const body = flowrouteInboundBody({ from: newPhone().slice(1), to: ACME_NUMBER.slice(1), body: 'forged' });
      await inbound(`/webhooks/flowroute/${randomBytes(24).toString('base64url')}/inbound`, body).expect(404);
      // The real token with its last character changed (to one it is not already).
      const lastChanged = token.slice(0, -1) + (token.endsWith('x') ? 'y' : 'x');
      await inbound(`/webhooks/flowroute/${lastChanged}/inbound`, body).expect(404);
      expect(await rows(body.data.id)).toHaveLength(0);
      expect(
        await t.db.query(`SELECT 1 FROM sms_unroutable_messages WHERE provider_message_id = $1`, [body.data.id]),
      ).toHaveLength(0);
    });

    it('refuses a malformed body (400) and a number of another account (422), storing nothing', async () => {
      expect(
        (
          await inbound(`/webhooks/flowroute/${token}/inbound`, {
            to: '12025550100',
            from: '12015550000',
            body: 'v1 shape',
          }).expect(400)
        ).body.message,
      ).toMatch(/data\.attributes/);
      const body = flowrouteInboundBody({ from: newPhone().slice(1), to: '12025550200', body: 'for Other IT' });
      await inbound(`/webhooks/flowroute/${token}/inbound`, body).expect(422);
      expect(await rows(body.data.id)).toHaveLength(0);
    });
  });

  describe('switching', () => {
    it('sends a text that waited through the provider in force when it goes, and keeps Flowroute inbound working after switching back', async () => {
      await acme.put('/api/sms/settings', { provider: 'platform' }).expect(200);
      const phone = newPhone();
      const { ticket } = await ticketFor(phone);
      await settled(ticket.id);
      expect(t.twilio.sentMessages()).toHaveLength(1);

      // A text written on the platform that waits for credits: switching to Flowroute sends it, through Flowroute.
      const [{ id: heldId }] = await t.db.query(
        `INSERT INTO sms_messages (account_id, direction, kind, ticket_id, send_id, to_number, from_number, body, status, provider, segments, error_message)
         VALUES ($1, 'outbound', 'ticket_update', $2, gen_random_uuid(), $3, $4, 'Waited for credits', 'held_no_credit', 'twilio', 1, 'Waiting for SMS credits') RETURNING id`,
        [acme.id, ticket.id, phone, ACME_NUMBER],
      );
      await acme.put('/api/sms/settings', { provider: 'flowroute' }).expect(200);
      const held = await eventually(
        () =>
          acme
            .get(`/api/sms/messages/${heldId}`)
            .expect(200)
            .then((r) => r.body as { status: string; provider: string; credits: number }),
        (m) => m.status === 'accepted',
      );
      expect(held).toMatchObject({ provider: 'flowroute', credits: 0 });
      expect(flowroute.sentMessages().map((m) => m.body)).toEqual(['Waited for credits']);
      expect(t.twilio.sentMessages()).toHaveLength(1);

      // Back on the platform: new texts go to Twilio again, and Flowroute's inbound URL still works.
      await acme.put('/api/sms/settings', { provider: 'platform' }).expect(200);
      await acme.post(`/api/tickets/${ticket.id}/updates`, { smsBody: 'Back on the platform' }).expect(201);
      await settled(ticket.id, 3);
      expect(
        t.twilio
          .sentMessages()
          .map((m) => m.body)
          .join(),
      ).toContain('Back on the platform');
      const reply = flowrouteInboundBody({ from: phone.slice(1), to: ACME_NUMBER.slice(1), body: 'Got it, thanks' });
      await t.http().post(`/webhooks/flowroute/${token}/inbound`).send(reply).expect(200);
      await eventually(
        () =>
          acme
            .get(`/api/tickets/${ticket.id}`)
            .expect(200)
            .then((r) => r.body.comments as { body: string }[]),
        (comments) => comments.some((c) => c.body === 'Got it, thanks'),
        30_000,
      );
    });

    it('a text that waited for credits waits for the opening when the switch happens while the account is closed', async () => {
      await acme.put('/api/sms/settings', { provider: 'platform' }).expect(200);
      const phone = newPhone();
      const { ticket } = await ticketFor(phone);
      await settled(ticket.id);
      // Open one hour a week, on a weekday that is neither today nor tomorrow: closed now, whenever this runs.
      const today = new Date().getUTCDay() || 7;
      const day = [1, 2, 3, 4, 5].find((d) => d !== today && d !== (today % 7) + 1)!;
      await acme
        .put('/api/sms/settings', {
          businessHours: { timezone: 'UTC', weekly: [{ day, start: '09:00', end: '10:00' }], holidays: [] },
          businessHoursOnly: true,
        })
        .expect(200);
      const [{ id: heldId }] = await t.db.query(
        `INSERT INTO sms_messages (account_id, direction, kind, ticket_id, send_id, to_number, from_number, body, status, provider, segments, error_message)
         VALUES ($1, 'outbound', 'ticket_update', $2, gen_random_uuid(), $3, $4, 'Waited for credits, then for the opening', 'held_no_credit', 'twilio', 1, 'Waiting for SMS credits') RETURNING id`,
        [acme.id, ticket.id, phone, ACME_NUMBER],
      );
      try {
        await acme.put('/api/sms/settings', { provider: 'flowroute' }).expect(200);
        const waiting = await eventually(
          () =>
            acme
              .get(`/api/sms/messages/${heldId}`)
              .expect(200)
              .then((r) => r.body as { status: string; sendAt: string | null }),
          (m) => m.status === 'scheduled' && m.sendAt !== null && new Date(m.sendAt).getTime() > Date.now(),
        );
        expect(new Date(waiting.sendAt!).getUTCDay() || 7).toBe(day);
        // Its only job waits for that opening: it cannot have gone yet.
        await eventually(
          () => t.queue(SmsQueue.Outbound).getJobState(heldId),
          (state) => state === 'delayed',
        );
        expect(flowroute.sentMessages().map((m) => m.body)).not.toContain('Waited for credits, then for the opening');
      } finally {
        await t.db.query(`UPDATE sms_messages SET status = 'failed', error_message = 'test over' WHERE id = $1`, [
          heldId,
        ]);
        await acme.put('/api/sms/settings', { businessHoursOnly: false, provider: 'platform' }).expect(200);
      }
    });

    it('gives a new webhook URL on request; the old one answers 404 at once', async () => {
      const before = (await settings()).flowroute.inboundUrl!;
      const rotated = await acme.post('/api/sms/settings/flowroute/webhook-token', {}).expect(200);
      expect(rotated.body.inboundUrl).not.toBe(before);
      const body = flowrouteInboundBody({ from: newPhone().slice(1), to: ACME_NUMBER.slice(1), body: 'old URL' });
      await t.http().post(new URL(before).pathname).send(body).expect(404);
      await t.http().post(new URL(rotated.body.inboundUrl).pathname).send(body).expect(200);
      token = new URL(rotated.body.inboundUrl).pathname.split('/')[3];
    });
  });
});

describe('without SECRETS_KEY', () => {
  let t: TestApp;
  let flowroute: FakeFlowroute;

  beforeAll(async () => {
    flowroute = await FakeFlowroute.start();
    t = await TestApp.start({ suite: 'flowroute_nokey', env: { FLOWROUTE_API_URL: flowroute.url } });
  });

  afterAll(async () => {
    await t?.close();
    await flowroute?.close();
  });

  it('refuses to store Flowroute credentials with a clear message, and stores nothing', async () => {
    const acme = await t.account('Acme IT');
    const refused = await acme
      .put('/api/sms/settings', {
        provider: 'flowroute',
        flowroute: { accessKey: flowroute.accessKey, secretKey: flowroute.secretKey },
      })
      .expect(503);
    expect(refused.body.message).toMatch(/SECRETS_KEY is not set/);
    expect(JSON.stringify(refused.body)).not.toContain(flowroute.secretKey);
    expect((await acme.get('/api/sms/settings').expect(200)).body).toMatchObject({
      provider: 'platform',
      flowroute: null,
    });
    expect(
      await t.db.query(`SELECT 1 FROM sms_settings WHERE account_id = $1 AND flowroute_credentials IS NOT NULL`, [
        acme.id,
      ]),
    ).toHaveLength(0);

    // Testing keys before saving them needs no storage, so it still works.
    const test = await acme
      .post('/api/sms/settings/flowroute/test', {
        flowroute: { accessKey: flowroute.accessKey, secretKey: flowroute.secretKey },
      })
      .expect(200);
    expect(test.body.ok).toBe(true);
  });
});
