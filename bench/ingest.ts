/**
 * Webhook ingest: signed Twilio inbound webhooks → `<Response/>` (signature check, one INSERT, one enqueue).
 *  1. Fixed concurrency (64 requests in flight): requests/s and p50/p99 acknowledgement latency, side by side with
 *     a bare NestJS route answering `<Response/>` (bench/bare-webhook-app.ts) in the same run. The service runs as
 *     `--role=api`, as it would in front of separate workers, so this measures the acknowledgement path alone.
 *  2. Fixed offered load (issue 3): 200 webhooks/s for 10 s, open loop: p50/p99 acknowledgement latency, against
 *     one `all` process that also lands every text meanwhile, and against an `api` process with a `worker` process
 *     beside it (the texts are landed in the other process, on the same 2 cores), the worker at normal priority and
 *     at nice 10.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { FakeTwilio } from '../test/fakes/fake-twilio';
import {
  addNumber,
  createAccount,
  CpuUsed,
  cpuPer,
  describeCpu,
  fmt,
  http,
  machineLoad,
  measureCpu,
  medianCpu,
  medianOf,
  paced,
  percentile,
  pool,
  REPEATS,
  repeat,
  ServiceProcess,
  spawnService,
  sql,
  startService,
  stopProcess,
} from './support';
import { BUSINESS_NUMBER, customerPhone, inboundForm, postWebhook, signed, SignedWebhook } from './webhooks';

const COUNT = Number(process.env.BENCH_INGEST_COUNT ?? 4000);
const CONCURRENCY = 64;
const RATE = 200;
const SECONDS = 10;

export interface IngestRun {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU of the answering process (and, for the service, its PostgreSQL backends) per request. */
  cpu?: CpuUsed;
}

export interface IngestFigures {
  service: IngestRun;
  bare: IngestRun;
  /** Requests/s of the service over the bare route's, in the same run. */
  ratio: number;
  /** Node CPU per request of the bare route over the service's: what the ratio would be with cores to spare. */
  cpuRatio: number;
  /** 200/s offered to one `all` process, which lands the texts too. */
  fixedLoad: FixedLoadRun;
  /** 200/s offered to an `api` process, with a `worker` process landing the texts. */
  fixedLoadSplit: FixedLoadRun;
  /** The same with the worker at nice 10. */
  fixedLoadNiced: FixedLoadRun;
  /** 200/s offered to an `api` process alone, the texts left queued: the baseline for the three above. */
  fixedLoadApiAlone: FixedLoadRun;
}

async function startBareApp(): Promise<{ port: number; child: ChildProcess }> {
  const port = 40000 + Math.floor(Math.random() * 20000);
  const child = spawn(process.execPath, [join(__dirname, 'bare-webhook-app.js')], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port) },
    stdio: 'inherit',
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if (
        (
          await http(port, 'POST', '/webhooks/twilio/inbound', 'a=1', {
            'content-type': 'application/x-www-form-urlencoded',
          })
        ).status === 200
      )
        break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('bare NestJS app did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, child };
}

function webhooks(count: number, tag: string): SignedWebhook[] {
  return Array.from({ length: count }, (_, i) =>
    signed(inboundForm(customerPhone(i % 500), `${tag} ${i}: the printer is offline again`)),
  );
}

/** `count` webhooks, `concurrency` in flight; every answer must be 200. */
async function closedLoop(
  target: { port: number; pid: number; databaseUrl: string | null },
  batch: SignedWebhook[],
  concurrency: number,
): Promise<IngestRun> {
  const latencies: number[] = [];
  const started = performance.now();
  const { cpu } = await measureCpu([target.pid], target.databaseUrl, () =>
    pool(batch.length, concurrency, async (i) => {
      const t0 = performance.now();
      const res = await postWebhook(target.port, batch[i]);
      latencies.push(performance.now() - t0);
      if (res.status !== 200) throw new Error(`webhook ${i}: ${res.status} ${res.body}`);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    requestsPerSecond: batch.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    cpu: cpuPer(cpu, batch.length),
  };
}

type FixedLoadRun = IngestRun & {
  offered: number;
  landed: number;
  /** The service's own time to answer (its request log), p99; null when the log level drops request lines. */
  serviceP99Ms: number | null;
  /** How late the load generator's own event loop ran, p99: time it adds to what it measures. */
  generatorDelayP99Ms: number;
};

/** `landing`: a process lands the texts, and the run ends once it has; otherwise they are left queued. */
async function fixedLoad(svc: ServiceProcess, tag: string, landing: boolean): Promise<FixedLoadRun> {
  const batch = webhooks(RATE * SECONDS, tag);
  const latencies: number[] = [];
  const generatorDelay = monitorEventLoopDelay({ resolution: 1 });
  svc.webhookLog.start();
  generatorDelay.enable();
  const started = performance.now();
  await paced(RATE, SECONDS, async (i) => {
    const t0 = performance.now();
    const res = await postWebhook(svc.port, batch[i]);
    latencies.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`webhook ${i}: ${res.status} ${res.body}`);
  });
  const seconds = (performance.now() - started) / 1000;
  generatorDelay.disable();
  // The last answers' log lines may still be on their way through the pipe.
  await new Promise((r) => setTimeout(r, 200));
  const serviceTimes = svc.webhookLog.stop();
  // The texts are landed meanwhile; wait until they are, so the next run starts from quiet.
  const deadline = landing ? Date.now() + 120_000 : 0;
  let landed = 0;
  while (Date.now() < deadline) {
    landed = Number(
      (
        await sql<{ n: string }>(
          svc.env.DATABASE_URL,
          `SELECT count(*) AS n FROM sms_messages WHERE direction = 'inbound' AND status = 'processed' AND body LIKE $1`,
          [`${tag} %`],
        )
      )[0].n,
    );
    if (landed >= batch.length) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    offered: RATE,
    landed,
    requestsPerSecond: batch.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    serviceP99Ms: serviceTimes.length ? percentile(serviceTimes, 99) : null,
    // The histogram counts how late each 1 ms timer tick ran, in nanoseconds.
    generatorDelayP99Ms: generatorDelay.percentile(99) / 1e6,
  };
}

type Shape = 'all' | 'api+worker' | 'api+worker at nice 10' | 'api alone';

/**
 * The issue 3 case, repeated: 200 webhooks/s for 10 s against one `all` process, or an `api` plus a `worker` process,
 * the worker at normal priority or at nice 10 (where both share the cores, the acknowledgements go first). The
 * baseline is an `api` process alone, its texts left queued: what acknowledging costs with nothing else running.
 */
async function fixedLoadOn(fake: FakeTwilio, twilioEnv: Record<string, string>, shape: Shape): Promise<FixedLoadRun> {
  const svc = await startService(
    `ingest-${shape === 'all' ? 'all' : 'api'}`,
    twilioEnv,
    shape === 'all' ? 'all' : 'api',
    0,
    true,
  );
  // The worker shares the api's database and queue prefix; it serves no HTTP, so it is simply given time to start.
  const worker =
    shape === 'all' || shape === 'api alone'
      ? null
      : spawnService('ingest-worker', { ...svc.env, PORT: '0' }, 'worker', shape === 'api+worker' ? 0 : 10);
  try {
    if (worker) await new Promise((r) => setTimeout(r, 5000));
    const account = await createAccount(svc.port);
    await addNumber(fake, svc.port, account, BUSINESS_NUMBER);
    await fixedLoad(svc, 'warm', shape !== 'api alone');
    const runs = await repeat(REPEATS, async (r) => {
      const run = await fixedLoad(svc, `fixed-${r}`, shape !== 'api alone');
      console.log(
        `  fixed load (${shape}) run ${r + 1}: ${RATE}/s offered for ${SECONDS} s: p50 ${fmt(run.p50Ms)} ms, p99 ${fmt(run.p99Ms)} ms ` +
          `(the service's own p99 ${run.serviceP99Ms === null ? 'not logged' : `${fmt(run.serviceP99Ms)} ms`}, the load generator's event-loop delay p99 ${fmt(run.generatorDelayP99Ms)} ms), ` +
          `${run.landed} landed; ${machineLoad()}`,
      );
      return run;
    });
    return {
      offered: RATE,
      landed: Math.min(...runs.map((x) => x.landed)),
      requestsPerSecond: medianOf(runs, (x) => x.requestsPerSecond),
      p50Ms: medianOf(runs, (x) => x.p50Ms),
      p99Ms: medianOf(runs, (x) => x.p99Ms),
      serviceP99Ms: runs.every((x) => x.serviceP99Ms !== null) ? medianOf(runs, (x) => x.serviceP99Ms!) : null,
      generatorDelayP99Ms: medianOf(runs, (x) => x.generatorDelayP99Ms),
    };
  } finally {
    if (worker) await stopProcess(worker);
    await svc.stop();
  }
}

export async function benchIngest(): Promise<IngestFigures> {
  const fake = await FakeTwilio.start({ recordRequests: false });
  const twilioEnv = {
    SMS_PROVIDER: 'twilio',
    TWILIO_ACCOUNT_SID: fake.accountSid,
    TWILIO_AUTH_TOKEN: fake.authToken,
    TWILIO_API_URL: fake.url,
  };
  const bare = await startBareApp();
  let api: ServiceProcess | null = null;
  try {
    api = await startService('ingest-api', twilioEnv, 'api');
    const apiPort = api.port;
    const apiTarget = { port: apiPort, pid: api.child.pid!, databaseUrl: api.env.DATABASE_URL };
    const bareTarget = { port: bare.port, pid: bare.child.pid!, databaseUrl: null };
    const account = await createAccount(apiPort);
    await addNumber(fake, apiPort, account, BUSINESS_NUMBER);
    // Warm both up (JIT, connection pools) before anything is timed.
    await closedLoop(bareTarget, webhooks(500, 'warm-bare'), CONCURRENCY);
    await closedLoop(apiTarget, webhooks(500, 'warm-api'), CONCURRENCY);

    const runs = await repeat(REPEATS, async (r) => {
      const b = await closedLoop(bareTarget, webhooks(COUNT, `bare-${r}`), CONCURRENCY);
      const s = await closedLoop(apiTarget, webhooks(COUNT, `api-${r}`), CONCURRENCY);
      console.log(
        `  ingest run ${r + 1}: service ${fmt(s.requestsPerSecond, 0)} req/s (p50 ${fmt(s.p50Ms)} ms, p99 ${fmt(s.p99Ms)} ms, ${describeCpu(s.cpu!, 1, 'webhook')}); ` +
          `bare NestJS ${fmt(b.requestsPerSecond, 0)} req/s (p50 ${fmt(b.p50Ms)} ms, p99 ${fmt(b.p99Ms)} ms, node ${fmt(b.cpu!.serviceMs, 2)} ms per request); ${machineLoad()}`,
      );
      return { s, b };
    });
    const summary = (pick: (x: (typeof runs)[number]) => IngestRun): IngestRun => ({
      requestsPerSecond: medianOf(runs, (x) => pick(x).requestsPerSecond),
      p50Ms: medianOf(runs, (x) => pick(x).p50Ms),
      p99Ms: medianOf(runs, (x) => pick(x).p99Ms),
      cpu: medianCpu(runs, (x) => pick(x).cpu!),
    });
    const service = summary((x) => x.s);
    const bareRun = summary((x) => x.b);
    await stopProcess(bare.child);
    await api.stop();
    api = null;

    const fixedAll = await fixedLoadOn(fake, twilioEnv, 'all');
    const fixedSplit = await fixedLoadOn(fake, twilioEnv, 'api+worker');
    const fixedNiced = await fixedLoadOn(fake, twilioEnv, 'api+worker at nice 10');
    const fixedApiAlone = await fixedLoadOn(fake, twilioEnv, 'api alone');
    const figures: IngestFigures = {
      service,
      bare: bareRun,
      ratio: service.requestsPerSecond / bareRun.requestsPerSecond,
      cpuRatio: bareRun.cpu!.serviceMs / service.cpu!.serviceMs,
      fixedLoad: fixedAll,
      fixedLoadSplit: fixedSplit,
      fixedLoadNiced: fixedNiced,
      fixedLoadApiAlone: fixedApiAlone,
    };
    console.log(
      `ingest (median of ${REPEATS}): ${fmt(service.requestsPerSecond, 0)} webhooks/s at concurrency ${CONCURRENCY}, p50 ${fmt(service.p50Ms)} ms, p99 ${fmt(service.p99Ms)} ms, ` +
        `${describeCpu(service.cpu!, 1, 'webhook')}; baseline bare NestJS route ${fmt(bareRun.requestsPerSecond, 0)} req/s, p50 ${fmt(bareRun.p50Ms)} ms, ` +
        `p99 ${fmt(bareRun.p99Ms)} ms, node ${fmt(bareRun.cpu!.serviceMs, 2)} ms per request (ratio ${fmt(figures.ratio, 2)}). ` +
        `At ${RATE}/s offered, acknowledgement p50/p99: one all process (landing the texts too) ${fmt(fixedAll.p50Ms)}/${fmt(fixedAll.p99Ms)} ms; ` +
        `api and worker processes ${fmt(fixedSplit.p50Ms)}/${fmt(fixedSplit.p99Ms)} ms; the worker at nice 10 ${fmt(fixedNiced.p50Ms)}/${fmt(fixedNiced.p99Ms)} ms; ` +
        `an api process alone, its texts left queued, ${fmt(fixedApiAlone.p50Ms)}/${fmt(fixedApiAlone.p99Ms)} ms.`,
    );
    return figures;
  } finally {
    await stopProcess(bare.child);
    await api?.stop();
    await fake.close();
  }
}

if (require.main === module) {
  benchIngest().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
