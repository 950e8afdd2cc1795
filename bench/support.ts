/** Shared pieces of the benchmark scripts: a service process, percentiles, a paced load loop. */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from 'pg';
import Redis from 'ioredis';

const PG_SOCKET_DIR = '/var/run/postgresql';
/**
 * How the services reach PostgreSQL. On one machine a Unix socket is the way to run it: each statement costs about
 * half the CPU it costs over TCP on 127.0.0.1 (measured: ~40 µs against ~70 µs of node CPU per query here).
 * BENCH_PG=tcp measures over TCP; BENCH_DATABASE_SERVER names another server (postgres://user@host:port).
 */
export const PG_TRANSPORT = process.env.BENCH_DATABASE_SERVER
  ? 'as BENCH_DATABASE_SERVER'
  : process.env.BENCH_PG !== 'tcp' && existsSync(join(PG_SOCKET_DIR, '.s.PGSQL.5432'))
    ? 'unix socket'
    : 'tcp';

/** The URL of database `name` on the benchmark's PostgreSQL server. */
export function databaseUrl(name: string): string {
  if (process.env.BENCH_DATABASE_SERVER) return `${process.env.BENCH_DATABASE_SERVER}/${name}`;
  return PG_TRANSPORT === 'unix socket'
    ? `postgres://postgres@localhost/${name}?host=${encodeURIComponent(PG_SOCKET_DIR)}`
    : `postgres://postgres@127.0.0.1:5432/${name}`;
}
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const PLATFORM_TOKEN = 'bench-platform-token-0123456789';
export const PUBLIC_URL = 'https://bench.ticket-sms.test';

export const agent = new Agent({ keepAlive: true, maxSockets: 256 });

export interface HttpResult {
  status: number;
  body: string;
}

/** A bare HTTP call on a keep-alive agent, so the client measures the server, not connection set-up. */
export function http(
  port: number,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: { ...headers, 'content-length': Buffer.byteLength(body ?? '') },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => {
      // A kept-alive socket the server closed just as it was reused (its keep-alive timeout): Node's documented
      // remedy is to send again on a new one. What the bench sends is idempotent (a webhook repeats its MessageSid).
      if (req.reusedSocket && e.code === 'ECONNRESET') http(port, method, path, body, headers).then(resolve, reject);
      else reject(e);
    });
    req.end(body);
  });
}

export function json(port: number, method: string, path: string, token: string, payload: unknown): Promise<HttpResult> {
  return http(port, method, path, JSON.stringify(payload), {
    'content-type': 'application/json',
    authorization: `Bearer ${token}`,
  });
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const median = (values: number[]) => percentile(values, 50);
export const fmt = (n: number, digits = 1) => n.toFixed(digits);

/** Runs a benchmark case `times` times (BENCH_REPEATS, default 3): the machine is shared, so one run proves little. */
export const REPEATS = Math.max(1, Number(process.env.BENCH_REPEATS ?? 3));

export async function repeat<T>(times: number, run: (attempt: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < times; i++) results.push(await run(i));
  return results;
}

/** The median of one figure over several runs. */
export function medianOf<T>(runs: T[], pick: (run: T) => number): number {
  return median(runs.map(pick));
}

/** How busy the machine was: every figure should be read with this beside it. */
export function machineLoad(): string {
  const [one, five] = loadavg();
  return `load average ${one.toFixed(2)} (1 min), ${five.toFixed(2)} (5 min)`;
}

/** Runs `task` at most `concurrency` at a time until `count` have run. */
export async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/** Starts `task` at a fixed rate (an open-loop load: latency does not slow the offered rate down). */
export async function paced(ratePerSecond: number, seconds: number, task: (i: number) => Promise<void>): Promise<void> {
  const total = Math.round(ratePerSecond * seconds);
  const started = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / ratePerSecond;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inflight.push(task(i));
  }
  await Promise.all(inflight);
}

export interface ServiceProcess {
  port: number;
  env: Record<string, string>;
  child: ChildProcess;
  /** The service's own timing of the webhooks it answers, from its request log. */
  webhookLog: WebhookLog;
  stop(): Promise<void>;
}

/**
 * The `responseTime` the service's request log gives each webhook it answers: from the request reaching the
 * service's HTTP handler to the answer's last byte handed to the kernel. Set against the latency the bench sees, it
 * tells the service's own time from what the connection and a load generator sharing the cores add. Empty when the
 * log level drops request lines (BENCH_LOG_LEVEL=warn).
 */
export class WebhookLog {
  private recording: number[] | null = null;

  /** Keeps the times of the webhooks answered from now on, until `stop`. */
  start(): void {
    this.recording = [];
  }

  stop(): number[] {
    const times = this.recording ?? [];
    this.recording = null;
    return times;
  }

  /** One stdout line of the service (pino's JSON); cheap to skip when not recording. */
  line(text: string): void {
    if (!this.recording || !text.includes('"responseTime"') || !text.includes('/webhooks/')) return;
    const entry = JSON.parse(text) as { responseTime?: number; req?: { url?: string } };
    if (typeof entry.responseTime === 'number' && entry.req?.url?.startsWith('/webhooks/'))
      this.recording.push(entry.responseTime);
  }
}

/**
 * BENCH_CPU_PROF=<dir>: service processes preload the inspector profiler (bench/cpu-profiler.ts) and write a CPU
 * profile when stopped; read it with `node dist-bench/bench/profile.js <file>`.
 */
function profilerFlags(): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  if (!dir) return [];
  mkdirSync(resolve(dir), { recursive: true });
  return ['-r', join(__dirname, 'cpu-profiler.js')];
}

/** Asks a profiled process to write its profile (see bench/cpu-profiler.ts) and waits until it has. */
async function flushProfile(child: ChildProcess): Promise<void> {
  const dir = process.env.BENCH_CPU_PROF;
  if (!dir || !child.pid) return;
  const file = new RegExp(`-${child.pid}\\.cpuprofile$`);
  child.kill('SIGWINCH');
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && !readdirSync(resolve(dir)).some((f) => file.test(f)))
    await new Promise((r) => setTimeout(r, 100));
}

/** SIGTERM (active jobs finish), then waits for the exit. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  await flushProfile(child);
  child.kill('SIGTERM');
  await exited;
}

/** Polls /health until it answers 200; throws when the process exits first or after `timeoutMs`. */
export async function waitHealthy(name: string, port: number, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await http(port, 'GET', '/health')).status === 200) return;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) throw new Error(`${name}: the service exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`${name}: no healthy /health within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * One ticket-sms process from the compiled code, on its own database and queue prefix. `logWebhooks`: read the
 * service's log to time its webhooks (`webhookLog`); otherwise the log is dropped unread.
 */
export async function startService(
  name: string,
  extraEnv: Record<string, string>,
  role = 'all',
  port = 0,
  logWebhooks = false,
): Promise<ServiceProcess> {
  const id = `${name}_${randomBytes(3).toString('hex')}`;
  const chosenPort = port || 40000 + Math.floor(Math.random() * 20000);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    DATABASE_URL: databaseUrl(`ticket_sms_bench_${id}`),
    REDIS_URL,
    QUEUE_PREFIX: `bench-${id}`,
    PORT: String(chosenPort),
    PUBLIC_URL,
    PLATFORM_TOKEN,
    // The service's default level, at which every request is logged; BENCH_LOG_LEVEL=warn measures without those lines.
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    // The service's default pool unless BENCH_DATABASE_POOL_SIZE says otherwise.
    ...(process.env.BENCH_DATABASE_POOL_SIZE ? { DATABASE_POOL_SIZE: process.env.BENCH_DATABASE_POOL_SIZE } : {}),
    STORAGE_DIR: join('/tmp', `ticket-sms-bench-${id}`),
    ...extraEnv,
  };
  const webhookLog = new WebhookLog();
  const spawnLogged = (): ChildProcess => {
    const started = spawnService(name, env, role, 0, logWebhooks ? 'pipe' : 'ignore');
    if (started.stdout) createInterface({ input: started.stdout }).on('line', (line) => webhookLog.line(line));
    return started;
  };
  let child = spawnLogged();
  try {
    await waitHealthy(name, chosenPort, child);
  } catch (e) {
    // Another session's process may have taken the random port: once more on another one.
    if (port || child.exitCode === null) throw e;
    console.error(`${name}: ${(e as Error).message}; starting it again on another port`);
    env.PORT = String(40000 + Math.floor(Math.random() * 20000));
    child = spawnLogged();
    await waitHealthy(name, Number(env.PORT), child);
  }
  return {
    port: Number(env.PORT),
    env,
    child,
    webhookLog,
    stop: async () => {
      await stopProcess(child);
      await dropDatabase(env.DATABASE_URL);
      await deleteKeys(`${env.QUEUE_PREFIX}:*`);
    },
  };
}

/** Starts main.js with `env`; stdout (the log) is dropped unless piped to the caller, stderr shows. */
export function spawnService(
  name: string,
  env: Record<string, string>,
  role = 'all',
  nice = 0,
  stdout: 'ignore' | 'pipe' = 'ignore',
): ChildProcess {
  const flags = profilerFlags();
  const withName: Record<string, string> = flags.length
    ? { ...env, BENCH_CPU_PROF: resolve(process.env.BENCH_CPU_PROF!), BENCH_PROCESS_NAME: name }
    : { ...env };
  // BENCH_NODE_OPTIONS: node flags for the service processes only (e.g. --max-semi-space-size=4), for experiments.
  if (process.env.BENCH_NODE_OPTIONS) withName.NODE_OPTIONS = process.env.BENCH_NODE_OPTIONS;
  const command = [process.execPath, ...flags, join(__dirname, '..', 'src', 'main.js'), `--role=${role}`];
  // `nice` execs node in its own process, so the pid is still the service's.
  if (nice > 0) command.unshift('nice', '-n', String(nice));
  return spawn(command[0], command.slice(1), { env: withName, stdio: ['ignore', stdout, 'inherit'] });
}

export async function createAccount(port: number, name = 'Bench IT'): Promise<{ id: string; token: string }> {
  const res = await http(
    port,
    'POST',
    '/api/platform/accounts',
    JSON.stringify({ name, subscribedAt: '2020-01-01T00:00:00Z' }),
    {
      'content-type': 'application/json',
      authorization: `Bearer ${PLATFORM_TOKEN}`,
    },
  );
  if (res.status !== 201) throw new Error(`account: ${res.status} ${res.body}`);
  const body = JSON.parse(res.body) as { id: string; adminToken: string };
  return { id: body.id, token: body.adminToken };
}

/** Adds a number the (fake) Twilio account owns: the platform assigns it to the account, which adds it; it is verified and may send. */
export async function addNumber(
  twilio: { ownNumber(e164: string): string },
  port: number,
  account: { id: string; token: string },
  number: string,
): Promise<void> {
  twilio.ownNumber(number);
  await platform(port, `/api/platform/accounts/${account.id}/numbers`, { number });
  const res = await json(port, 'POST', '/api/sms/numbers', account.token, { number, label: 'Bench', kind: 'shared' });
  if (res.status !== 201 || !(JSON.parse(res.body) as { verified?: boolean; verifiedAt?: string | null }).verifiedAt)
    throw new Error(`number ${number}: ${res.status} ${res.body}`);
}

/** The platform gives the account add-on credits. */
export async function grantCredits(port: number, accountId: string, credits: number): Promise<void> {
  await platform(port, `/api/platform/accounts/${accountId}/credits`, { credits, reason: 'Bench' });
}

/** A POST to the platform API that must succeed. */
async function platform(port: number, path: string, body: object): Promise<void> {
  const res = await http(port, 'POST', path, JSON.stringify(body), {
    'content-type': 'application/json',
    authorization: `Bearer ${PLATFORM_TOKEN}`,
  });
  if (res.status !== 201) throw new Error(`${path}: ${res.status} ${res.body}`);
}

export async function sql<T>(databaseUrl: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

export async function dropDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const admin = new Client({ connectionString: databaseUrl('postgres') });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

export async function deleteKeys(pattern: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

function statusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/** Resident set size of a process, from /proc, in MB. */
export const rssMb = (pid: number): number => statusMb(pid, 'VmRSS');

/** The kernel's high-water mark of the resident set (VmHWM) since the process started, in MB. */
export const peakRssMb = (pid: number): number => statusMb(pid, 'VmHWM');

// Linux reports process CPU time in clock ticks of sysconf(_SC_CLK_TCK), which is 100 on every mainstream kernel.
const TICK_MS = 10;

/** User + system CPU time a process has used, in ms (0 once it is gone). */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state is field 3, utime field 14, stime field 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

/** PostgreSQL backend processes serving `database` (their process title names it). */
function backendsOf(database: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (title.startsWith('postgres: ') && title.includes(` ${database} `)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

export interface CpuUsed {
  /** The service process (or processes). */
  serviceMs: number;
  /** The PostgreSQL backends serving the service's database. */
  postgresMs: number;
  /** The Redis server, whole (0 when it is not a process of this machine). */
  redisMs: number;
}

/** The CPU of one item, from the CPU of `count`. */
export function cpuPer(cpu: CpuUsed, count: number): CpuUsed {
  return { serviceMs: cpu.serviceMs / count, postgresMs: cpu.postgresMs / count, redisMs: cpu.redisMs / count };
}

/** Each figure's median over the runs. */
export function medianCpu<T>(runs: T[], pick: (run: T) => CpuUsed): CpuUsed {
  return {
    serviceMs: medianOf(runs, (x) => pick(x).serviceMs),
    postgresMs: medianOf(runs, (x) => pick(x).postgresMs),
    redisMs: medianOf(runs, (x) => pick(x).redisMs),
  };
}

/** The Redis server's process id, if it runs on this machine. */
async function redisPid(): Promise<number | null> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    const pid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]);
    return pid && existsSync(`/proc/${pid}/stat`) ? pid : null;
  } catch {
    return null;
  } finally {
    redis.disconnect();
  }
}

/**
 * CPU time the service, its database backends and Redis use while `work` runs. Unlike throughput on a shared machine,
 * it hardly depends on what else runs: divided by the messages it is the cost of one, and 2 cores' worth of it is the
 * most this machine could do with nothing else running. Redis counts whole: nothing else uses it while the bench runs
 * (an idle Redis uses about 1 ms of CPU a second).
 */
export async function measureCpu<T>(
  pids: number[],
  databaseUrl: string | null,
  work: () => Promise<T>,
  /** Backends of the bench's own connections (pollers), left out. */
  excludeBackends: number[] = [],
): Promise<{ result: T; cpu: CpuUsed }> {
  const database = databaseUrl ? new URL(databaseUrl).pathname.slice(1) : null;
  const backends = () => (database ? backendsOf(database).filter((pid) => !excludeBackends.includes(pid)) : []);
  const redis = await redisPid();
  const redisBefore = redis ? cpuMs(redis) : 0;
  const before = new Map([...pids, ...backends()].map((pid) => [pid, cpuMs(pid)]));
  const result = await work();
  let serviceMs = 0;
  for (const pid of pids) serviceMs += cpuMs(pid) - (before.get(pid) ?? 0);
  let postgresMs = 0;
  // A backend that started during the run counts whole; one that ended is lost (pools keep theirs open under load).
  for (const pid of backends()) postgresMs += cpuMs(pid) - (before.get(pid) ?? 0);
  const redisMs = redis ? cpuMs(redis) - redisBefore : 0;
  return { result, cpu: { serviceMs, postgresMs, redisMs } };
}

/** "node 2.1 ms + PostgreSQL 1.0 ms + Redis 0.2 ms per text → at most 606/s on 2 idle cores". */
export function describeCpu(cpu: CpuUsed, count: number, unit: string): string {
  const { serviceMs: node, postgresMs: pg, redisMs: redis } = cpuPer(cpu, count);
  return (
    `CPU per ${unit}: node ${fmt(node, 2)} ms + PostgreSQL ${fmt(pg, 2)} ms + Redis ${fmt(redis, 2)} ms → ` +
    `at most ${fmt(2000 / (node + pg + redis), 0)}/s on 2 idle cores (${fmt(1000 / node, 0)}/s per node process)`
  );
}

/** Samples a process's RSS every 10 ms until stopped; stop() gives the peak, the kernel's VmHWM included. */
export function sampleRss(pid: number): { stop(): Promise<number> } {
  let peak = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, rssMb(pid));
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  return {
    async stop() {
      sampling = false;
      await sampler;
      return Math.max(peak, peakRssMb(pid));
    },
  };
}
