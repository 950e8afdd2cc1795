/**
 * Start-up and idle memory of one `all` process (API and workers):
 *  - first start: create the database and run every migration, then boot, until GET /health answers 200;
 *  - restart on the migrated database, until /health answers 200;
 *  - idle RSS 10 s after the restart became healthy, nothing happening.
 */
import { randomBytes } from 'node:crypto';
import { FakeTwilio } from '../test/fakes/fake-twilio';
import {
  databaseUrl,
  deleteKeys,
  dropDatabase,
  fmt,
  machineLoad,
  medianOf,
  PLATFORM_TOKEN,
  PUBLIC_URL,
  REDIS_URL,
  REPEATS,
  repeat,
  rssMb,
  spawnService,
  stopProcess,
  waitHealthy,
} from './support';

const IDLE_AFTER_MS = 10_000;

export interface StartupFigures {
  firstStartMs: number;
  restartMs: number;
  idleRssMb: number;
}

async function once(fake: FakeTwilio): Promise<StartupFigures> {
  const id = `startup_${randomBytes(3).toString('hex')}`;
  const port = 40000 + Math.floor(Math.random() * 20000);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    DATABASE_URL: databaseUrl(`ticket_sms_bench_${id}`),
    REDIS_URL,
    QUEUE_PREFIX: `bench-${id}`,
    PORT: String(port),
    PUBLIC_URL,
    PLATFORM_TOKEN,
    LOG_LEVEL: 'warn',
    STORAGE_DIR: `/tmp/ticket-sms-bench-${id}`,
    SMS_PROVIDER: 'twilio',
    TWILIO_ACCOUNT_SID: fake.accountSid,
    TWILIO_AUTH_TOKEN: fake.authToken,
    TWILIO_API_URL: fake.url,
  };
  try {
    let t0 = performance.now();
    const first = spawnService('startup', env);
    await waitHealthy('startup', port, first);
    const firstStartMs = performance.now() - t0;
    await stopProcess(first);

    t0 = performance.now();
    const second = spawnService('startup', env);
    try {
      await waitHealthy('startup', port, second);
      const restartMs = performance.now() - t0;
      await new Promise((r) => setTimeout(r, IDLE_AFTER_MS));
      return { firstStartMs, restartMs, idleRssMb: rssMb(second.pid!) };
    } finally {
      await stopProcess(second);
    }
  } finally {
    await dropDatabase(env.DATABASE_URL);
    await deleteKeys(`${env.QUEUE_PREFIX}:*`);
  }
}

export async function benchStartup(): Promise<StartupFigures> {
  const fake = await FakeTwilio.start({ recordRequests: false });
  try {
    const runs = await repeat(REPEATS, async (r) => {
      const run = await once(fake);
      console.log(
        `  start-up run ${r + 1}: first start (create + migrate) ${fmt(run.firstStartMs, 0)} ms, restart ${fmt(run.restartMs, 0)} ms to a healthy /health; ` +
          `idle RSS ${fmt(run.idleRssMb, 0)} MB; ${machineLoad()}`,
      );
      return run;
    });
    const figures: StartupFigures = {
      firstStartMs: medianOf(runs, (x) => x.firstStartMs),
      restartMs: medianOf(runs, (x) => x.restartMs),
      idleRssMb: medianOf(runs, (x) => x.idleRssMb),
    };
    console.log(
      `start-up (median of ${REPEATS}): ${fmt(figures.firstStartMs, 0)} ms on a new database, ${fmt(figures.restartMs, 0)} ms on a migrated one, ` +
        `to a healthy /health; idle RSS of the all process ${fmt(figures.idleRssMb, 0)} MB.`,
    );
    return figures;
  } finally {
    await fake.close();
  }
}

if (require.main === module) {
  benchStartup().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
