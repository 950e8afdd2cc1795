/**
 * Hostile MMS: one signed MMS with ten 6300 × 6300 single-colour GIFs (about 27 KB each, each just under the 40 MP
 * limit); one with ten 2500 × 2500 GIFs (under the GIF limit, so all are decoded: the process budget queues them),
 * under glibc's malloc, with MALLOC_ARENA_MAX=2 and with jemalloc; against a benign MMS of ten 2000 × 1500 JPEGs. Each in a fresh `all` process; peak RSS of the
 * service (sampled every 10 ms, and the kernel's VmHWM) from the webhook until every item is stored or refused.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { FakeTwilio } from '../test/fakes/fake-twilio';
import { jemalloc, startMediaService } from './media';
import { fmt, machineLoad, sampleRss, sql } from './support';
import { customerPhone, inboundForm, postWebhook, signed } from './webhooks';

const ITEMS = 10;
/** Decoded in full (6.25 MP, under the GIF limit), so the process budget has to queue them. */
const QUEUED_SIDE = 2500;
/** What the service may hold at most while hostile media is processed. */
export const HOSTILE_MEDIA_RSS_TARGET_MB = 400;

interface MmsFigures {
  peakMb: number;
  idleMb: number;
  seconds: number;
  stored: number;
  rejected: number;
  reasons: string[];
}

export interface HostileMediaFigures {
  hostile: MmsFigures;
  /** Per allocator: how much of the peak is the allocator keeping freed memory. */
  queued: Array<MmsFigures & { allocator: string }>;
  benign: MmsFigures;
  gifBytes: number;
}

async function oneMms(items: Buffer[], contentType: string, extraEnv: Record<string, string>) {
  const fake = await FakeTwilio.start({ recordRequests: false });
  const { svc, pid, idle } = await startMediaService('hostile-media', fake, extraEnv);
  try {
    const messageSid = `MM${randomBytes(16).toString('hex')}`;
    const media = items.map((body) => ({ url: fake.addMedia(messageSid, { contentType, body }), contentType }));
    const form = {
      ...inboundForm(customerPhone(0), 'Pictures of the broken printer', media),
      MessageSid: messageSid,
      SmsMessageSid: messageSid,
      SmsSid: messageSid,
    };
    const rss = sampleRss(pid);
    const started = performance.now();
    const answer = await postWebhook(svc.port, signed(form));
    if (answer.status !== 200) throw new Error(`hostile media webhook: ${answer.status}`);
    const deadline = Date.now() + 600_000;
    let row: { stored: string; rejected: string };
    for (;;) {
      [row] = await sql<{ stored: string; rejected: string }>(
        svc.env.DATABASE_URL,
        `SELECT count(*) FILTER (WHERE status = 'stored') AS stored, count(*) FILTER (WHERE status = 'rejected') AS rejected FROM sms_media`,
      );
      if (Number(row.stored) + Number(row.rejected) >= ITEMS) break;
      if (Date.now() > deadline)
        throw new Error(`hostile media: ${row.stored} stored, ${row.rejected} rejected of ${ITEMS} in time`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    const reasons = await sql<{ reason: string; n: string }>(
      svc.env.DATABASE_URL,
      `SELECT rejection_reason || ': ' || rejection_detail AS reason, count(*) AS n FROM sms_media WHERE status = 'rejected' GROUP BY 1`,
    );
    const peak = await rss.stop();
    return {
      peakMb: peak,
      idleMb: idle,
      seconds,
      stored: Number(row.stored),
      rejected: Number(row.rejected),
      reasons: reasons.map((r) => `${r.n} × ${r.reason}`),
    };
  } finally {
    await svc.stop();
    await fake.close();
  }
}

/** The allocators the queued case runs under: glibc's default, glibc with two arenas, and jemalloc when present. */
function allocators(): Array<{ name: string; env: Record<string, string> }> {
  const preload = jemalloc();
  return [
    { name: 'glibc malloc', env: {} },
    { name: 'glibc, MALLOC_ARENA_MAX=2', env: { MALLOC_ARENA_MAX: '2' } },
    ...(preload ? [{ name: 'jemalloc', env: { LD_PRELOAD: preload } }] : []),
  ];
}

export async function benchHostileMedia(extraEnv: Record<string, string> = {}): Promise<HostileMediaFigures> {
  const gif = await sharp({ create: { width: 6300, height: 6300, channels: 3, background: '#3366cc' } })
    .gif()
    .toBuffer();
  const photo = await sharp(randomBytes(2000 * 1500 * 3), { raw: { width: 2000, height: 1500, channels: 3 } })
    .jpeg({ quality: 60 })
    .toBuffer();
  const smallerGif = await sharp({
    create: { width: QUEUED_SIDE, height: QUEUED_SIDE, channels: 3, background: '#cc6633' },
  })
    .gif()
    .toBuffer();
  const line = (name: string, f: MmsFigures) =>
    `${name}: peak RSS ${fmt(f.peakMb, 0)} MB (idle ${fmt(f.idleMb, 0)} MB), ${f.stored} stored, ${f.rejected} rejected` +
    (f.reasons.length ? ` (${f.reasons.join('; ')})` : '') +
    `, all rows in ${fmt(f.seconds)} s`;
  const hostile = await oneMms(
    Array.from({ length: ITEMS }, () => gif),
    'image/gif',
    extraEnv,
  );
  console.log(
    `  hostile media: ten ${fmt(gif.length / 1000, 0)} KB 6300 × 6300 GIFs in one MMS; ${line('hostile', hostile)}`,
  );
  const queued: HostileMediaFigures['queued'] = [];
  for (const allocator of allocators()) {
    const run = await oneMms(
      Array.from({ length: ITEMS }, () => smallerGif),
      'image/gif',
      { ...extraEnv, ...allocator.env },
    );
    console.log(
      `  hostile media: ten ${fmt(smallerGif.length / 1000, 0)} KB ${QUEUED_SIDE} × ${QUEUED_SIDE} GIFs in one MMS, ${allocator.name}; ${line('queued', run)}`,
    );
    queued.push({ allocator: allocator.name, ...run });
  }
  const benign = await oneMms(
    Array.from({ length: ITEMS }, () => photo),
    'image/jpeg',
    extraEnv,
  );
  console.log(
    `  hostile media: ten ${fmt(photo.length / 1000, 0)} KB 2000 × 1500 JPEGs in one MMS; ${line('benign', benign)}; ${machineLoad()}`,
  );
  return { hostile, queued, benign, gifBytes: gif.length };
}

if (require.main === module) {
  benchHostileMedia().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
