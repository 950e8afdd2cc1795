/**
 * Media: a 12-megapixel phone JPEG (4000 × 3000, EXIF orientation 6 and GPS, about 4.7 MB).
 *  1. In one process, per image (median of BENCH_MEDIA_IMAGES, interleaved so load hits all alike):
 *     - the product path: ImagePipeline.process (type sniffing, header checks, an upright metadata-free original and
 *       a 320 px thumbnail) and MediaStorage.write of both files;
 *     - baseline A, bare sharp doing the same work with the same encoder settings: rotate → JPEG q90 (plain Huffman
 *       tables) and rotate → resize 320 → JPEG q80 at once, both written to disk. The 1.3× target is read against it;
 *     - baseline B, the bare sharp rotate + resize (the thumbnail alone), for scale: the original is the expensive part.
 *  2. Through the service (`all` process, real webhook, media served by the fake Twilio behind basic auth and a
 *     redirect): 20 MMS of one ~5 MB photo each posted at once; peak RSS of the service process (sampled every
 *     10 ms, and the kernel's VmHWM) and the time until all 20 comments with their pictures are committed. Run with
 *     glibc's malloc, then (when the system has it) with jemalloc preloaded, which sharp recommends on glibc Linux.
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ImagePipeline } from '../src/sms/media/image-pipeline';
import { MediaStorage } from '../src/sms/media/media-storage';
import type { ResolvedSmsOptions } from '../src/sms/sms.options';
import { FakeTwilio } from '../test/fakes/fake-twilio';
import {
  addNumber,
  createAccount,
  fmt,
  machineLoad,
  median,
  medianOf,
  REPEATS,
  repeat,
  rssMb,
  sampleRss,
  ServiceProcess,
  sql,
  startService,
} from './support';
import { BUSINESS_NUMBER, customerPhone, inboundForm, postWebhook, signed } from './webhooks';

const IMAGES = Number(process.env.BENCH_MEDIA_IMAGES ?? 12);
const MMS_AT_ONCE = 20;
const WIDTH = 4000;
const HEIGHT = 3000;
const TARGET_BYTES = 4_700_000;
const GPS = {
  GPSLatitudeRef: 'N',
  GPSLatitude: '48/1 51/1 2982/100',
  GPSLongitudeRef: 'E',
  GPSLongitude: '2/1 17/1 4021/100',
};

export interface MediaFigures {
  photoBytes: number;
  pipelineMs: number;
  bareSameWorkMs: number;
  bareThumbnailMs: number;
  ratioSameWork: number;
  ratioThumbnail: number;
  peakRssMb: number;
  idleBeforeMb: number;
  mmsSeconds: number;
  /** The same with jemalloc preloaded (LD_PRELOAD), when the system has it. */
  jemallocPeakRssMb: number | null;
  jemallocMmsSeconds: number | null;
}

/** Gradient plus noise (which is what makes a photo big), stored sideways with EXIF orientation 6 and a GPS position. */
export async function phonePhoto(targetBytes = TARGET_BYTES): Promise<Buffer> {
  const noise = randomBytes(WIDTH * HEIGHT * 3);
  const pixels = Buffer.alloc(WIDTH * HEIGHT * 3);
  for (let y = 0, i = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++, i += 3) {
      const base = [(x * 255) / WIDTH, (y * 255) / HEIGHT, ((x + y) * 128) / (WIDTH + HEIGHT) + 64];
      for (let c = 0; c < 3; c++) pixels[i + c] = Math.max(0, Math.min(255, base[c] + ((noise[i + c] * 64) >> 8) - 32));
    }
  }
  const encode = (quality: number) =>
    sharp(pixels, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
      .jpeg({ quality })
      .withMetadata({ orientation: 6 })
      .withExifMerge({ IFD0: { Make: 'PhoneCo', Model: 'Snapper 12' }, IFD3: GPS })
      .toBuffer();
  // The quality that lands closest under the target size.
  let best = await encode(80);
  for (let quality = 81; quality <= 95; quality++) {
    const candidate = await encode(quality);
    if (candidate.length > targetBytes) break;
    best = candidate;
  }
  return best;
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await work();
  return performance.now() - t0;
}

async function inProcess(photo: Buffer): Promise<{ pipeline: number; sameWork: number; thumbnail: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'ticket-sms-bench-media-'));
  try {
    const pipeline = new ImagePipeline();
    const storage = new MediaStorage({ storageDir: dir } as ResolvedSmsOptions);
    const product = async (i: number) => {
      const result = await pipeline.process(photo);
      if (!result.ok) throw new Error(`pipeline rejected the photo: ${result.rejection.detail}`);
      await storage.write(`bench/product/${i}.jpg`, result.image.original);
      await storage.write(`bench/product/${i}-thumb.jpg`, result.image.thumbnail);
    };
    const thumbnail = () =>
      sharp(photo)
        .rotate()
        .resize({ width: 320, height: 320, fit: 'inside', withoutEnlargement: true })
        .jpeg({ quality: 80 })
        .toBuffer();
    const sameWork = async (i: number) => {
      const [original, thumb] = await Promise.all([
        sharp(photo).rotate().jpeg({ quality: 90, optimiseCoding: false }).toBuffer(),
        thumbnail(),
      ]);
      await writeFile(join(dir, `bare-${i}.jpg`), original);
      await writeFile(join(dir, `bare-${i}-thumb.jpg`), thumb);
    };
    await product(-1);
    await sameWork(-1);
    await thumbnail();
    const runs = { pipeline: [] as number[], sameWork: [] as number[], thumbnail: [] as number[] };
    for (let i = 0; i < IMAGES; i++) {
      runs.pipeline.push(await timed(() => product(i)));
      runs.sameWork.push(await timed(() => sameWork(i)));
      runs.thumbnail.push(await timed(thumbnail));
    }
    return { pipeline: median(runs.pipeline), sameWork: median(runs.sameWork), thumbnail: median(runs.thumbnail) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** jemalloc, if the system has it: sharp recommends it over glibc's malloc for long-running processes on Linux. */
export function jemalloc(): string | null {
  try {
    return (
      /(\/\S*libjemalloc\.so\.2)\b/.exec(execFileSync('/sbin/ldconfig', ['-p'], { encoding: 'utf8' }))?.[1] ?? null
    );
  } catch {
    return null;
  }
}

/**
 * A fresh `all` process in Twilio mode against `fake` (whose loopback media hosts it may fetch from), with an account
 * owning BUSINESS_NUMBER, left 2 s to settle; `idle` is its RSS then.
 */
export async function startMediaService(
  name: string,
  fake: FakeTwilio,
  extraEnv: Record<string, string> = {},
): Promise<{ svc: ServiceProcess; pid: number; idle: number }> {
  const svc = await startService(name, {
    SMS_PROVIDER: 'twilio',
    TWILIO_ACCOUNT_SID: fake.accountSid,
    TWILIO_AUTH_TOKEN: fake.authToken,
    TWILIO_API_URL: fake.url,
    MEDIA_PRIVATE_ADDRESS_HOSTS: `${new URL(fake.url).host},${new URL(fake.cdnUrl).host}`,
    ...extraEnv,
  });
  try {
    const account = await createAccount(svc.port);
    await addNumber(fake, svc.port, account, BUSINESS_NUMBER);
    const pid = svc.child.pid!;
    await new Promise((r) => setTimeout(r, 2000));
    return { svc, pid, idle: rssMb(pid) };
  } catch (error) {
    await svc.stop();
    throw error;
  }
}

/** A fresh `all` process, 20 MMS of the photo posted at once; peak RSS while they are processed. */
async function peakRss(
  photo: Buffer,
  extraEnv: Record<string, string> = {},
): Promise<{ peak: number; idle: number; seconds: number }> {
  const fake = await FakeTwilio.start({ recordRequests: false });
  const { svc, pid, idle } = await startMediaService('media', fake, extraEnv);
  try {
    const hooks = Array.from({ length: MMS_AT_ONCE }, (_, i) => {
      const messageSid = `MM${randomBytes(16).toString('hex')}`;
      const url = fake.addMedia(messageSid, { contentType: 'image/jpeg', body: photo });
      const form = {
        ...inboundForm(customerPhone(i), `Photo ${i} of the broken printer`, [{ url, contentType: 'image/jpeg' }]),
        MessageSid: messageSid,
        SmsMessageSid: messageSid,
        SmsSid: messageSid,
      };
      return signed(form);
    });
    const rss = sampleRss(pid);
    const started = performance.now();
    const answers = await Promise.all(hooks.map((h) => postWebhook(svc.port, h)));
    if (answers.some((a) => a.status !== 200))
      throw new Error(`media webhooks: ${answers.map((a) => a.status).join(',')}`);
    const deadline = Date.now() + 300_000;
    for (;;) {
      const [row] = await sql<{ stored: string; landed: string }>(
        svc.env.DATABASE_URL,
        `SELECT (SELECT count(*) FROM sms_media WHERE status = 'stored') AS stored,
                (SELECT count(*) FROM sms_messages WHERE direction = 'inbound' AND status = 'processed') AS landed`,
      );
      if (Number(row.landed) >= MMS_AT_ONCE) {
        if (Number(row.stored) !== MMS_AT_ONCE)
          throw new Error(`media: ${row.stored} of ${MMS_AT_ONCE} pictures stored`);
        break;
      }
      if (Date.now() > deadline) throw new Error(`media: ${row.landed} of ${MMS_AT_ONCE} MMS landed in time`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    const peak = await rss.stop();
    return { peak, idle, seconds };
  } finally {
    await svc.stop();
    await fake.close();
  }
}

export async function benchMedia(): Promise<MediaFigures> {
  const photo = await phonePhoto();
  const meta = await sharp(photo).metadata();
  console.log(
    `  media: a ${meta.width} × ${meta.height} JPEG of ${fmt(photo.length / 1e6, 2)} MB, EXIF orientation ${meta.orientation}`,
  );
  const local = await repeat(REPEATS, async (r) => {
    const run = await inProcess(photo);
    console.log(
      `  media run ${r + 1}: pipeline + storage ${fmt(run.pipeline)} ms per image; bare sharp same work ${fmt(run.sameWork)} ms; ` +
        `bare sharp rotate + resize ${fmt(run.thumbnail)} ms; ${machineLoad()}`,
    );
    return run;
  });
  const preload = jemalloc();
  const service = await repeat(REPEATS, async (r) => {
    const run = await peakRss(photo);
    const withJemalloc = preload ? await peakRss(photo, { LD_PRELOAD: preload }) : null;
    console.log(
      `  media service run ${r + 1}: ${MMS_AT_ONCE} MMS of ${fmt(photo.length / 1e6, 1)} MB at once: peak RSS ${fmt(run.peak, 0)} MB (idle ${fmt(run.idle, 0)} MB), ` +
        `all landed in ${fmt(run.seconds)} s` +
        (withJemalloc
          ? `; with jemalloc: peak ${fmt(withJemalloc.peak, 0)} MB (idle ${fmt(withJemalloc.idle, 0)} MB), ${fmt(withJemalloc.seconds)} s`
          : '') +
        `; ${machineLoad()}`,
    );
    return { ...run, jemalloc: withJemalloc };
  });
  const figures: MediaFigures = {
    photoBytes: photo.length,
    pipelineMs: medianOf(local, (x) => x.pipeline),
    bareSameWorkMs: medianOf(local, (x) => x.sameWork),
    bareThumbnailMs: medianOf(local, (x) => x.thumbnail),
    ratioSameWork: 0,
    ratioThumbnail: 0,
    peakRssMb: medianOf(service, (x) => x.peak),
    idleBeforeMb: medianOf(service, (x) => x.idle),
    mmsSeconds: medianOf(service, (x) => x.seconds),
    jemallocPeakRssMb: preload ? medianOf(service, (x) => x.jemalloc!.peak) : null,
    jemallocMmsSeconds: preload ? medianOf(service, (x) => x.jemalloc!.seconds) : null,
  };
  figures.ratioSameWork = figures.pipelineMs / figures.bareSameWorkMs;
  figures.ratioThumbnail = figures.pipelineMs / figures.bareThumbnailMs;
  console.log(
    `media (median of ${REPEATS}): ${fmt(figures.pipelineMs)} ms per 12 MP photo (pipeline + storage); bare sharp same work ${fmt(figures.bareSameWorkMs)} ms ` +
      `(ratio ${fmt(figures.ratioSameWork, 2)}); bare sharp rotate + resize only ${fmt(figures.bareThumbnailMs)} ms (ratio ${fmt(figures.ratioThumbnail, 2)}). ` +
      `${MMS_AT_ONCE} MMS of ${fmt(photo.length / 1e6, 1)} MB at once: peak RSS ${fmt(figures.peakRssMb, 0)} MB, landed in ${fmt(figures.mmsSeconds)} s` +
      (figures.jemallocPeakRssMb !== null
        ? `; with jemalloc ${fmt(figures.jemallocPeakRssMb, 0)} MB, ${fmt(figures.jemallocMmsSeconds!)} s.`
        : '.'),
  );
  return figures;
}

if (require.main === module) {
  benchMedia().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
