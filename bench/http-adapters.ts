/**
 * NestJS's HTTP adapters side by side: express (what the service runs) and Fastify, each serving (1) a bare POST route
 * answering a tiny JSON and (2) a route shaped like the helpdesk's ticket update without its database (helmet, a
 * request log line through pino, a Bearer guard, the global ValidationPipe and a class-validator DTO; see
 * bench/http-adapter-app.ts). Every app runs in its own process and all are measured in the same run, one after
 * another, the order reversed every other run: requests/s at 64 in flight, and the app's node CPU per request, which
 * depends far less on what else the shared machine runs. No database, queue or Redis: the figures are the framework's
 * own cost per request, to set against the rest of a request's.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Adapter, RequestLogger, Shape } from './http-adapter-app';
import {
  cpuPer,
  fmt,
  http,
  HttpResult,
  machineLoad,
  measureCpu,
  medianOf,
  percentile,
  pool,
  REPEATS,
  repeat,
  stopProcess,
} from './support';

const COUNT = Number(process.env.BENCH_HTTP_COUNT ?? 6000);
const WARM_UP = 1500;
const CONCURRENCY = 64;

const TICKET = '3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
const UPDATE_PATH = `/api/tickets/${TICKET}/updates`;
const UPDATE_BODY = JSON.stringify({
  body: 'The printer is back online: please try printing again.',
  smsBody: 'Your printer is back online.',
  status: 'pending',
});
const JSON_HEADERS = { 'content-type': 'application/json' };
const BEARER = { ...JSON_HEADERS, authorization: 'Bearer bench-user-token-0123456789abcdef' };

interface Variant {
  label: string;
  adapter: Adapter;
  shape: Shape;
  logger?: RequestLogger;
  send: (port: number) => Promise<HttpResult>;
  status: number;
}

const bare = (port: number) => http(port, 'POST', '/bare', '{"ping":1}', JSON_HEADERS);
const update = (port: number) => http(port, 'POST', UPDATE_PATH, UPDATE_BODY, BEARER);

const VARIANTS: Variant[] = [
  { label: 'bare route, express', adapter: 'express', shape: 'bare', send: bare, status: 200 },
  { label: 'bare route, Fastify', adapter: 'fastify', shape: 'bare', send: bare, status: 200 },
  { label: 'update-shaped route, express', adapter: 'express', shape: 'update', send: update, status: 201 },
  {
    label: 'update-shaped route, Fastify with nestjs-pino',
    adapter: 'fastify',
    shape: 'update',
    logger: 'nestjs-pino',
    send: update,
    status: 201,
  },
  {
    label: 'update-shaped route, Fastify with its own logger',
    adapter: 'fastify',
    shape: 'update',
    logger: 'fastify',
    send: update,
    status: 201,
  },
];

export interface AdapterRun {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** The app process's node CPU per request. */
  nodeMs: number;
}

export interface AdapterFigures extends AdapterRun {
  label: string;
  adapter: Adapter;
  shape: Shape;
  logger?: RequestLogger;
}

interface App {
  variant: Variant;
  port: number;
  child: ChildProcess;
}

async function startApp(variant: Variant): Promise<App> {
  for (let attempt = 0; ; attempt++) {
    const port = 40000 + Math.floor(Math.random() * 20000);
    const child = spawn(process.execPath, [join(__dirname, 'http-adapter-app.js')], {
      env: {
        PATH: process.env.PATH ?? '',
        PORT: String(port),
        ADAPTER: variant.adapter,
        SHAPE: variant.shape,
        LOGGER: variant.logger ?? '',
      },
      // The request log goes to /dev/null, as in the other cases; start-up errors show.
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    try {
      if (await answers(variant, port, child)) return { variant, port, child };
    } catch (e) {
      await stopProcess(child);
      throw e;
    }
    // Another session's process may have taken the random port: once more on another one.
    if (attempt > 0) throw new Error(`${variant.label}: the app exited with ${child.exitCode}`);
  }
}

/** Waits until the app answers its route as expected: false when it exited first (its port was taken, say). */
async function answers(variant: Variant, port: number, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const res = await variant.send(port);
      if (res.status !== variant.status) throw new Error(`${variant.label}: ${res.status} ${res.body}`);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ECONNREFUSED') throw e;
    }
    if (child.exitCode !== null) return false;
    if (Date.now() > deadline) throw new Error(`${variant.label}: not answering within 60 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Both adapters must do the same work: an unknown field and a missing token are refused by each. */
async function checkRefusals(app: App): Promise<void> {
  const extra = await http(app.port, 'POST', UPDATE_PATH, JSON.stringify({ body: 'x', extra: 1 }), BEARER);
  const anonymous = await http(app.port, 'POST', UPDATE_PATH, UPDATE_BODY, JSON_HEADERS);
  const badId = await http(app.port, 'POST', '/api/tickets/nope/updates', UPDATE_BODY, BEARER);
  if (extra.status !== 400 || anonymous.status !== 401 || badId.status !== 400)
    throw new Error(
      `${app.variant.label}: unknown field ${extra.status}, no token ${anonymous.status}, bad id ${badId.status}`,
    );
}

/** `count` requests, 64 in flight; every answer must have the expected status. */
async function closedLoop(app: App, count: number): Promise<AdapterRun> {
  const latencies: number[] = [];
  const started = performance.now();
  const { cpu } = await measureCpu([app.child.pid!], null, () =>
    pool(count, CONCURRENCY, async (i) => {
      const t0 = performance.now();
      const res = await app.variant.send(app.port);
      latencies.push(performance.now() - t0);
      if (res.status !== app.variant.status) throw new Error(`${app.variant.label} ${i}: ${res.status} ${res.body}`);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    requestsPerSecond: count / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    nodeMs: cpuPer(cpu, count).serviceMs,
  };
}

const describe = (r: AdapterRun) =>
  `${fmt(r.requestsPerSecond, 0)} req/s (p50 ${fmt(r.p50Ms)} ms, p99 ${fmt(r.p99Ms)} ms), node ${fmt(r.nodeMs, 3)} ms/request`;

export async function benchHttpAdapters(): Promise<AdapterFigures[]> {
  const apps: App[] = [];
  try {
    // One at a time: on 2 cores, starting them together only slows each down.
    for (const variant of VARIANTS) apps.push(await startApp(variant));
    for (const app of apps) if (app.variant.shape === 'update') await checkRefusals(app);
    // JIT and the first connections, before anything is timed.
    for (const app of apps) await closedLoop(app, WARM_UP);

    const runs = await repeat(REPEATS, async (r) => {
      const order = r % 2 === 0 ? apps : [...apps].reverse();
      const results = new Map<App, AdapterRun>();
      for (const app of order) results.set(app, await closedLoop(app, COUNT));
      console.log(
        `  http adapters run ${r + 1}: ` +
          apps.map((app) => `${app.variant.label} ${describe(results.get(app)!)}`).join('; ') +
          `; ${machineLoad()}`,
      );
      return results;
    });
    const figures: AdapterFigures[] = apps.map((app) => ({
      label: app.variant.label,
      adapter: app.variant.adapter,
      shape: app.variant.shape,
      logger: app.variant.logger,
      requestsPerSecond: medianOf(runs, (x) => x.get(app)!.requestsPerSecond),
      p50Ms: medianOf(runs, (x) => x.get(app)!.p50Ms),
      p99Ms: medianOf(runs, (x) => x.get(app)!.p99Ms),
      nodeMs: medianOf(runs, (x) => x.get(app)!.nodeMs),
    }));
    const [bareExpress, bareFastify, updateExpress] = figures;
    const saved = (f: AdapterFigures, from: AdapterFigures) =>
      `${fmt(from.nodeMs - f.nodeMs, 3)} ms/request less (${fmt((100 * (from.nodeMs - f.nodeMs)) / from.nodeMs, 0)} %)`;
    console.log(
      `http adapters (median of ${REPEATS}, ${COUNT} requests a run, ${CONCURRENCY} in flight): ` +
        figures.map((f) => `${f.label} ${describe(f)}`).join('; ') +
        `. Fastify against express: bare route ${saved(bareFastify, bareExpress)}; update-shaped route ` +
        figures
          .filter((f) => f.shape === 'update' && f.adapter === 'fastify')
          .map((f) => `${f.logger} ${saved(f, updateExpress)}`)
          .join(', ') +
        '.',
    );
    return figures;
  } finally {
    for (const app of apps) await stopProcess(app.child);
  }
}

if (require.main === module) {
  benchHttpAdapters().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
