import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { InboundQueue } from '../../src/sms/inbound/inbound-queue.service';
import { InboundReceiver } from '../../src/sms/inbound/inbound-receiver.service';
import { InboundProcessor } from '../../src/sms/inbound/inbound.processor';
import { MaintenanceProcessor } from '../../src/sms/messages/maintenance.processor';
import { plainPhoto } from '../fixtures/images';
import { eventually, TestAccount, TestApp } from '../support/test-app';

/**
 * Webhooks that arrive together are stored together: one INSERT and one bulk enqueue for a batch. What each webhook
 * answers, and what ends up stored and landed, must be what it would be one at a time.
 */

const BUSINESS = '+12025550100';
const NOBODYS = '+12025550999';
const WEBHOOK = '/webhooks/twilio/inbound';
const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

jest.setTimeout(90_000);

const sid = (prefix: 'SM' | 'MM') => `${prefix}${randomBytes(16).toString('hex')}`;

interface StoredRow {
  provider_message_id: string;
  status: string;
  comment_id: string | null;
  body: string;
  /** When the inserting transaction began (`now()`): texts stored by one statement share it. */
  stored_at: string;
}

describe('inbound ingest: concurrent webhooks stored together', () => {
  let t: TestApp;
  let acme: TestAccount;
  let storageDir: string;
  let phoneSeq = 0;

  beforeAll(async () => {
    storageDir = await mkdtemp(join(tmpdir(), 'ticket-sms-ingest-'));
    t = await TestApp.start({ suite: 'inbound_ingest', env: { STORAGE_DIR: storageDir } });
    acme = await t.account('Acme IT');
    await acme.addNumber(BUSINESS, 'Front desk');
  });

  afterAll(async () => {
    await t?.close();
    if (storageDir) await rm(storageDir, { recursive: true, force: true });
  });

  const newPhone = () => `+1201556${String(1000 + ++phoneSeq).padStart(4, '0')}`;

  /** The fields the service reads from Twilio's inbound form (the signature covers whatever is sent). */
  function twilioParams(
    from: string,
    body: string,
    options: { to?: string; media?: { url: string; contentType: string }[] } = {},
  ): Record<string, string> {
    const media = options.media ?? [];
    const params: Record<string, string> = {
      MessageSid: sid(media.length > 0 ? 'MM' : 'SM'),
      AccountSid: t.twilio.accountSid,
      From: from,
      To: options.to ?? BUSINESS,
      Body: body,
      NumMedia: String(media.length),
    };
    media.forEach((m, i) =>
      Object.assign(params, { [`MediaUrl${i}`]: m.url, [`MediaContentType${i}`]: m.contentType }),
    );
    return params;
  }

  const post = (params: Record<string, string>) => t.postTwilio(WEBHOOK, params);

  async function storedRows(sids: string[]): Promise<StoredRow[]> {
    return t.db.query(
      `SELECT provider_message_id, status, comment_id, body, created_at::text AS stored_at FROM sms_messages
       WHERE provider = 'twilio' AND provider_message_id = ANY($1) ORDER BY provider_message_id`,
      [sids],
    );
  }

  /** Waits until every row has been landed by its job, then returns the rows. */
  async function landed(sids: string[], expected: number): Promise<StoredRow[]> {
    return eventually(
      () => storedRows(sids),
      (rows) => rows.length === expected && rows.every((r) => r.status !== 'received'),
      45_000,
    );
  }

  async function inboundJobsOf(
    sids: string[],
  ): Promise<{ id: string; provider_message_id: string; inbound_job_id: string | null }[]> {
    return t.db.query(
      `SELECT id, provider_message_id, inbound_job_id FROM sms_messages WHERE provider = 'twilio' AND provider_message_id = ANY($1)`,
      [sids],
    );
  }

  async function commentsFor(rows: StoredRow[]): Promise<{ id: string; body: string }[]> {
    return t.db.query(`SELECT id, body FROM comments WHERE id = ANY($1::uuid[]) ORDER BY body`, [
      rows.map((r) => r.comment_id),
    ]);
  }

  it('answers a burst of texts, repeats and a stray at once, storing and landing each distinct text exactly once', async () => {
    const distinct = Array.from({ length: 40 }, (_, i) => twilioParams(newPhone(), `Burst text ${i}`));
    const repeated = twilioParams(newPhone(), 'Delivered five times at once');
    const stray = twilioParams(newPhone(), 'Wrong number', { to: NOBODYS });
    const photoUrl = t.twilio.addMedia(sid('MM'), { contentType: 'image/jpeg', body: await plainPhoto() });
    const mms = twilioParams(newPhone(), 'A photo, twice at once', {
      media: [{ url: photoUrl, contentType: 'image/jpeg' }],
    });
    // The repeats and the stray are spread through the burst, so they share batches with the plain texts.
    const burst = [...distinct];
    for (let i = 0; i < 5; i++) burst.splice(i * 8 + 3, 0, repeated);
    burst.splice(20, 0, stray, mms);
    burst.splice(30, 0, stray, mms);

    const answers = await Promise.all(burst.map((params) => post(params)));
    for (const res of answers) {
      expect(res.status).toBe(200);
      expect(res.text).toBe(EMPTY_TWIML);
    }

    const texts = [...distinct, repeated, mms];
    const rows = await landed(
      texts.map((p) => p.MessageSid),
      texts.length,
    );
    expect(rows.map((r) => r.provider_message_id).sort()).toEqual(texts.map((p) => p.MessageSid).sort());
    expect(rows.every((r) => r.status === 'processed' && r.comment_id !== null)).toBe(true);
    // Webhooks that arrived together went in together: fewer inserting statements than rows.
    expect(new Set(rows.map((r) => r.stored_at)).size).toBeLessThan(rows.length);
    // And were landed by fewer jobs than texts: each plain text names its batch's job, which held it; the MMS is a flow
    // of its own, whose job id is its row id.
    const jobs = await inboundJobsOf(texts.map((p) => p.MessageSid));
    const mmsRow = jobs.find((j) => j.provider_message_id === mms.MessageSid)!;
    expect(mmsRow.inbound_job_id).toBeNull();
    const plain = jobs.filter((j) => j !== mmsRow);
    const batchJobs = new Set(plain.map((j) => j.inbound_job_id));
    expect(batchJobs.size).toBeLessThan(plain.length);
    const queue = t.app.get<Queue>(getQueueToken('sms-inbound'));
    for (const jobId of batchJobs) {
      const job = await queue.getJob(jobId!);
      expect(job?.name).toBe('ProcessInboundBatch');
      expect([...(job!.data as { messageIds: string[] }).messageIds].sort()).toEqual(
        plain
          .filter((j) => j.inbound_job_id === jobId)
          .map((j) => j.id)
          .sort(),
      );
      expect(await job!.getState()).toBe('completed');
    }
    expect(await queue.getJobState(mmsRow.id)).toBe('completed');

    expect(await storedRows([stray.MessageSid])).toEqual([]);
    const kept = await t.db.query(
      `SELECT to_number, body FROM sms_unroutable_messages WHERE provider = 'twilio' AND provider_message_id = $1`,
      [stray.MessageSid],
    );
    expect(kept).toEqual([{ to_number: NOBODYS, body: 'Wrong number' }]);

    // One comment per text: a job ran for each stored row, and none for the repeats.
    const comments = await commentsFor(rows);
    expect(comments.map((c) => c.body).sort()).toEqual(texts.map((p) => p.Body).sort());
    const [{ n }] = await t.db.query(
      `SELECT count(*)::int AS n FROM comments WHERE account_id = $1 AND body = ANY($2)`,
      [acme.id, texts.map((p) => p.Body)],
    );
    expect(n).toBe(texts.length);
    const [{ attachments }] = await t.db.query(
      `SELECT count(*)::int AS attachments FROM attachments WHERE comment_id = $1`,
      [rows.find((r) => r.provider_message_id === mms.MessageSid)!.comment_id],
    );
    expect(attachments).toBe(1);
  });

  it('leaves texts waiting in their batch job alone, and gives each a job of its own once that job is lost', async () => {
    // Nothing runs inbound jobs or the sweep meanwhile: the texts wait in their jobs, and only this test sweeps.
    const workers = [t.app.get(InboundProcessor).worker, t.app.get(MaintenanceProcessor).worker];
    await Promise.all(workers.map((w) => w.pause()));
    const texts = Array.from({ length: 12 }, (_, i) => twilioParams(newPhone(), `Waiting text ${i}`));
    try {
      for (const res of await Promise.all(texts.map((params) => post(params)))) expect(res.status).toBe(200);
      const rows = await inboundJobsOf(texts.map((p) => p.MessageSid));
      expect(rows).toHaveLength(texts.length);
      const queue = t.app.get<Queue>(getQueueToken('sms-inbound'));
      const batchJobs = [...new Set(rows.map((r) => r.inbound_job_id!))];
      for (const jobId of batchJobs) expect(await queue.getJobState(jobId)).toBe('waiting');

      // Older than the sweep's grace, as after a long outage: still waiting in their batch's job, so nothing is added.
      const sweep = t.app.get(InboundQueue);
      const afterGrace = new Date(Date.now() + 60_000);
      expect(await sweep.requeueStuck(afterGrace, 500)).toBe(0);
      for (const row of rows) expect(await queue.getJobState(row.id)).toBe('unknown');

      // The batch jobs are lost (as in a flushed Redis): each text gets a job of its own, once.
      for (const jobId of batchJobs) await queue.remove(jobId);
      expect(await sweep.requeueStuck(afterGrace, 500)).toBe(texts.length);
      for (const row of rows) expect(await queue.getJobState(row.id)).toBe('waiting');
      expect(await sweep.requeueStuck(afterGrace, 500)).toBe(0);
    } finally {
      workers.forEach((w) => w.resume());
    }
    // Each lands once, by its own job.
    const rows = await landed(
      texts.map((p) => p.MessageSid),
      texts.length,
    );
    expect((await commentsFor(rows)).map((c) => c.body).sort()).toEqual(texts.map((p) => p.Body).sort());
  });

  /** A text as the Twilio webhook hands it to the receiver. */
  const text = (body: string, segments = 1) => ({
    provider: 'twilio',
    providerMessageId: sid('SM'),
    from: newPhone(),
    to: BUSINESS,
    body,
    segments,
    media: [],
  });

  it('answers stored for only one of the same message delivered several times in one batch', async () => {
    const receiver = t.app.get(InboundReceiver);
    const twice = text('Sent once, delivered three times');
    const batch = [text('Before'), twice, text('Between'), { ...twice }, { ...twice }, text('After')];

    // Submitted in one turn of the event loop, so they are one batch.
    const results = await Promise.all(batch.map((item) => receiver.receive(item)));
    expect(results.map((r) => r.outcome)).toEqual(['stored', 'stored', 'stored', 'duplicate', 'duplicate', 'stored']);
    const rows: { id: string; body: string }[] = await t.db.query(
      `SELECT id, body FROM sms_messages WHERE provider = 'twilio' AND provider_message_id = ANY($1) ORDER BY body`,
      [batch.map((b) => b.providerMessageId)],
    );
    expect(rows.map((r) => r.body)).toEqual(['After', 'Before', 'Between', 'Sent once, delivered three times']);
    // Each stored answer names its own row.
    expect(
      results
        .map((r) => (r.outcome === 'stored' ? r.messageId : null))
        .filter((id) => id !== null)
        .sort(),
    ).toEqual(rows.map((r) => r.id).sort());
    await landed(
      batch.map((b) => b.providerMessageId),
      rows.length,
    );
  });

  it('stores the rest of a batch when PostgreSQL refuses one of its texts, failing only that one', async () => {
    const receiver = t.app.get(InboundReceiver);
    const good = Array.from({ length: 8 }, (_, i) => text(`Batch neighbour ${i}`));
    // More segments than the smallint column holds: the statement refuses the whole batch because of this text alone.
    const refused = text('Counted wrong', 40_000);
    const batch = [...good.slice(0, 4), refused, ...good.slice(4)];

    // Submitted in one turn of the event loop, so they are one batch.
    const results = await Promise.allSettled(batch.map((item) => receiver.receive(item)));
    const outcomes = results.map((r) => (r.status === 'fulfilled' ? r.value.outcome : 'rejected'));
    expect(outcomes).toEqual(batch.map((item) => (item === refused ? 'rejected' : 'stored')));
    expect((results[4] as PromiseRejectedResult).reason).toMatchObject({ message: expect.stringMatching(/smallint/) });

    const rows = await landed(
      good.map((g) => g.providerMessageId),
      good.length,
    );
    expect(rows.every((r) => r.status === 'processed' && r.comment_id !== null)).toBe(true);
    expect((await commentsFor(rows)).map((c) => c.body).sort()).toEqual(good.map((g) => g.body).sort());
    expect(await storedRows([refused.providerMessageId])).toEqual([]);
  });
});
