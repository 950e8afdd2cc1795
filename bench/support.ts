/** Shared pieces of the benchmark scripts: a service process, percentiles, a paced load loop. */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { Client } from 'pg';
import Redis from 'ioredis';

export const PG_SERVER = process.env.BENCH_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const PLATFORM_TOKEN = 'bench-platform-token-0123456789';
export const PUBLIC_URL = 'https://bench.ticket-sms.test';

export const agent = new Agent({ keepAlive: true, maxSockets: 256 });

export interface HttpResult {
  status: number;
  body: string;
}

/** A bare HTTP call on a keep-alive agent, so the client measures the server, not connection set-up. */
export function http(port: number, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent, headers: { ...headers, 'content-length': Buffer.byteLength(body ?? '') } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export function json(port: number, method: string, path: string, token: string, payload: unknown): Promise<HttpResult> {
  return http(port, method, path, JSON.stringify(payload), { 'content-type': 'application/json', authorization: `Bearer ${token}` });
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const median = (values: number[]) => percentile(values, 50);
export const fmt = (n: number, digits = 1) => n.toFixed(digits);

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
  stop(): Promise<void>;
}

/** One ticket-sms process from the compiled code, on its own database and queue prefix. */
export async function startService(name: string, extraEnv: Record<string, string>, role = 'all', port = 0): Promise<ServiceProcess> {
  const id = `${name}_${randomBytes(3).toString('hex')}`;
  const chosenPort = port || 40000 + Math.floor(Math.random() * 20000);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    DATABASE_URL: `${PG_SERVER}/ticket_sms_bench_${id}`,
    REDIS_URL,
    QUEUE_PREFIX: `bench-${id}`,
    PORT: String(chosenPort),
    PUBLIC_URL,
    PLATFORM_TOKEN,
    LOG_LEVEL: 'warn',
    STORAGE_DIR: join('/tmp', `ticket-sms-bench-${id}`),
    ...extraEnv,
  };
  const child = spawn(process.execPath, [join(__dirname, '..', 'src', 'main.js'), `--role=${role}`], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await http(chosenPort, 'GET', '/health')).status === 200) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) throw new Error(`${name}: the service exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`${name}: no healthy /health within 60 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port: chosenPort,
    env,
    child,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await dropDatabase(env.DATABASE_URL);
      await deleteKeys(`${env.QUEUE_PREFIX}:*`);
    },
  };
}

export async function createAccount(port: number, name = 'Bench IT'): Promise<{ id: string; token: string }> {
  const res = await http(port, 'POST', '/api/platform/accounts', JSON.stringify({ name, subscribedAt: '2020-01-01T00:00:00Z' }), {
    'content-type': 'application/json',
    authorization: `Bearer ${PLATFORM_TOKEN}`,
  });
  if (res.status !== 201) throw new Error(`account: ${res.status} ${res.body}`);
  const body = JSON.parse(res.body) as { id: string; adminToken: string };
  return { id: body.id, token: body.adminToken };
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

async function dropDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const admin = new Client({ connectionString: `${PG_SERVER}/postgres` });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

async function deleteKeys(pattern: string): Promise<void> {
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

/** Resident set size of a process, from /proc, in MB. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}
