import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { signTwilioRequest, twilioForm } from '../fakes/fake-twilio';
import { eventually, PUBLIC_URL, TestAccount, TestApp } from '../support/test-app';
import { underAttack } from './support/attack';

const WEBHOOK = '/webhooks/twilio/inbound';
const BUSINESS = '+12025550100';

interface MediaRow {
  position: number;
  status: string;
  rejection_reason: string | null;
  rejection_detail: string | null;
  storage_key: string | null;
}

describe('MMS media under attack', () => {
  let t: TestApp;
  let attacker: TestAccount;
  let bystander: TestAccount;
  let bystanderTicket: string;
  let storageDir: string;
  /** A service inside the network that media links must never reach. */
  let inside: Server;
  const insideRequests: IncomingMessage[] = [];
  let phoneSeq = 0;

  beforeAll(async () => {
    storageDir = await mkdtemp(join(tmpdir(), 'ticket-sms-abuse-media-'));
    inside = createServer((req, res) => {
      insideRequests.push(req);
      res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from('secret'));
    });
    await new Promise<void>((resolve) => inside.listen(0, '::', resolve));
    t = await TestApp.start({ suite: 'abuse-media', env: { STORAGE_DIR: storageDir } });
    attacker = await t.account('Mallory IT');
    await attacker.addNumber(BUSINESS, 'Front desk');
    bystander = await t.account('Bystander IT');
    const customerId = await bystander.customer([{ number: '+12015550199', type: 'landline' }]);
    bystanderTicket = (await bystander.ticket(customerId)).id;
  });

  afterAll(async () => {
    await t?.close();
    await new Promise((resolve) => inside?.close(resolve));
    if (storageDir) await rm(storageDir, { recursive: true, force: true });
  });

  const otherAccountReads = () => bystander.get(`/api/tickets/${bystanderTicket}`).expect(200);

  /** Posts a signed MMS from a new phone with these items; returns its message sid. */
  async function mms(
    items: Array<{ body: Buffer; contentType: string; redirectTo?: string }>,
  ): Promise<{ status: number; sid: string }> {
    const sid = `MM${randomBytes(16).toString('hex')}`;
    const params: Record<string, string> = {
      MessageSid: sid,
      SmsMessageSid: sid,
      AccountSid: t.twilio.accountSid,
      From: `+1201555${String(3000 + ++phoneSeq)}`,
      To: BUSINESS,
      Body: 'pictures',
      NumMedia: String(items.length),
    };
    items.forEach((item, i) => {
      params[`MediaUrl${i}`] = t.twilio.addMedia(sid, item);
      params[`MediaContentType${i}`] = item.contentType;
    });
    const res = await t
      .http()
      .post(WEBHOOK)
      .set('X-Twilio-Signature', signTwilioRequest(t.twilio.authToken, `${PUBLIC_URL}${WEBHOOK}`, params))
      .type('form')
      .send(twilioForm(params));
    return { status: res.status, sid };
  }

  /** Waits for every item of the message to have its outcome. */
  async function mediaOf(sid: string, count: number): Promise<MediaRow[]> {
    return eventually(
      () =>
        t.db.query(
          `SELECT m.position, m.status, m.rejection_reason, m.rejection_detail, m.storage_key FROM sms_media m
           JOIN sms_messages s ON s.id = m.message_id WHERE s.provider_message_id = $1 ORDER BY m.position`,
          [sid],
        ) as Promise<MediaRow[]>,
      (rows) => rows.length === count && rows.every((r) => r.status !== 'pending'),
      120_000,
    );
  }

  const storedFiles = async (): Promise<string[]> => (await readdir(storageDir, { recursive: true })).map(String);

  it('refuses redirects from the media host to 127.0.0.1, [::1], 2130706433 and localhost: nothing fetched there, nothing stored', async () => {
    const port = (inside.address() as AddressInfo).port;
    const targets = [
      `http://127.0.0.1:${port}/m`,
      `http://[::1]:${port}/m`,
      `http://2130706433:${port}/m`,
      `http://localhost:${port}/m`,
    ];
    const png = await sharp({ create: { width: 10, height: 10, channels: 3, background: 'red' } })
      .png()
      .toBuffer();

    const report = await underAttack(
      'MMS media redirected to loopback',
      async () => {
        const posted = await mms(targets.map((redirectTo) => ({ body: png, contentType: 'image/png', redirectTo })));
        return { ...posted, rows: await mediaOf(posted.sid, targets.length) };
      },
      otherAccountReads,
    );

    expect(report.result.status).toBe(200);
    expect(report.result.rows.map((r) => [r.status, r.rejection_reason, r.storage_key])).toEqual(
      targets.map(() => ['rejected', 'address_not_allowed', null]),
    );
    expect(report.result.rows[0].rejection_detail).toMatch(/a private or local address/);
    expect(insideRequests).toHaveLength(0);
    expect(await storedFiles()).toEqual([]);
    expect(report.bystanderMaxMs).toBeLessThan(1000);
  });

  it('refuses nine 6300 × 6300 single-colour GIFs in one MMS without decoding them, and still stores the photo beside them', async () => {
    const gif = await sharp({ create: { width: 6300, height: 6300, channels: 3, background: '#3366cc' } })
      .gif()
      .toBuffer();
    const photo = await sharp(randomBytes(800 * 600 * 3), { raw: { width: 800, height: 600, channels: 3 } })
      .jpeg()
      .toBuffer();
    const items = [
      ...Array.from({ length: 9 }, () => ({ body: gif, contentType: 'image/gif' })),
      { body: photo, contentType: 'image/jpeg' },
    ];

    const report = await underAttack(
      'MMS of nine 40-megapixel GIFs and a photo',
      async () => {
        const posted = await mms(items);
        return { ...posted, rows: await mediaOf(posted.sid, items.length) };
      },
      otherAccountReads,
    );

    expect(report.result.status).toBe(200);
    const rows = report.result.rows;
    expect(rows.slice(0, 9).every((r) => r.status === 'rejected' && r.rejection_reason === 'too_many_pixels')).toBe(
      true,
    );
    expect(rows[0].rejection_detail).toBe(
      'the picture is 6300 × 6300 pixels (39.7 megapixels), more than the 6.7 megapixel limit for GIF pictures',
    );
    expect(rows[9]).toMatchObject({ status: 'stored' });
    expect((await storedFiles()).filter((f) => f.endsWith('.gif'))).toEqual([]);
    expect(report.bystanderMaxMs).toBeLessThan(1000);
  });
});
