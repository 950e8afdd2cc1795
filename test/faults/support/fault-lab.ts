import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { FakeTwilio } from '../../fakes/fake-twilio';
import { PrivatePostgres, stopClusterSync } from './private-postgres';
import { PrivateRedis } from './private-redis';
import { Role, ServiceProcess } from './service-process';

export const PLATFORM_TOKEN = 'faults-platform-token-0123456789';
export const PUBLIC_URL = 'https://faults.ticket-sms.test';
export const QUEUE_PREFIX = 'faults';
const DATABASE = 'ticket_sms_faults';
const LAB_PREFIX = 'ticket-sms-faults-';

/** What a lab started, written to disk so a later run can clean up after a run that was itself killed. */
interface Manifest {
  ownerPid: number;
  redis: { pid?: number; port: number };
  postgresDataDir: string;
  services: number[];
}

const live = new Set<FaultLab>();

/**
 * One fault-injection case's world: a private Redis and PostgreSQL (FLUSHALL and restarts happen only here), the fake
 * Twilio in the test process, and ticket-sms processes from the compiled code. `stop()` tears everything down; an exit
 * hook does it too if the test process ends another way, and the next run removes what a killed run left behind.
 */
export class FaultLab {
  readonly services: ServiceProcess[] = [];
  private readonly queues = new Map<string, Queue>();

  private constructor(
    readonly name: string,
    readonly dir: string,
    readonly redis: PrivateRedis,
    readonly postgres: PrivatePostgres,
    readonly twilio: FakeTwilio,
    private readonly env: Record<string, string>,
  ) {}

  static async start(name: string, env: Record<string, string> = {}): Promise<FaultLab> {
    removeAbandonedLabs();
    installExitHook();
    const dir = mkdtempSync(join(tmpdir(), `${LAB_PREFIX}${name}-`));
    // The postgres OS user must reach its cluster directory inside.
    chmodSync(dir, 0o755);
    let redis: PrivateRedis | undefined;
    let postgres: PrivatePostgres | undefined;
    let twilio: FakeTwilio | undefined;
    try {
      redis = await PrivateRedis.start(dir);
      postgres = await PrivatePostgres.start(dir);
      twilio = await FakeTwilio.start();
    } catch (e) {
      await twilio?.close();
      await postgres?.stop();
      await redis?.stop();
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    const serviceEnv: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: `${postgres.serverUrl}/${DATABASE}`,
      REDIS_URL: redis.url,
      QUEUE_PREFIX,
      PUBLIC_URL,
      PLATFORM_TOKEN,
      SMS_PROVIDER: 'twilio',
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_API_URL: twilio.url,
      MEDIA_PRIVATE_ADDRESS_HOSTS: `${new URL(twilio.url).host},${new URL(twilio.cdnUrl).host}`,
      TWILIO_TIMEOUT_MS: '1000',
      SEND_RETRY_BASE_MS: '100',
      OUTBOX_SWEEP_MS: '500',
      WORKER_CONCURRENCY: '20',
      LOG_LEVEL: 'warn',
      STORAGE_DIR: join(dir, 'storage'),
      ...env,
    };
    const lab = new FaultLab(name, dir, redis, postgres, twilio, serviceEnv);
    live.add(lab);
    lab.writeManifest();
    return lab;
  }

  get databaseUrl(): string {
    return this.env.DATABASE_URL;
  }

  /** Starts a ticket-sms process; the first one creates and migrates the database. */
  async service(
    role: Role,
    name = `${role}-${this.services.filter((s) => s.role === role).length + 1}`,
    env: Record<string, string> = {},
  ): Promise<ServiceProcess> {
    const service = await ServiceProcess.start(name, role, { ...this.env, ...env }, this.dir);
    this.services.push(service);
    this.writeManifest();
    return service;
  }

  /** Restarts a killed process under the same name, port and log. */
  async relaunch(service: ServiceProcess): Promise<void> {
    await service.launch();
    this.writeManifest();
  }

  /** A query against the service's database in the private cluster. */
  sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
    return this.postgres.query<T>(text, params, DATABASE);
  }

  /** A queue of the service (`sms-outbound`, `sms-inbound`, …) as the service sees it, read from the test process. */
  queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: { url: this.redis.url, maxRetriesPerRequest: 1 }, prefix: QUEUE_PREFIX });
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Jobs of these queues not yet finished: waiting, active, delayed or waiting for their children. */
  async jobsInFlight(...names: string[]): Promise<number> {
    let total = 0;
    for (const name of names) {
      const counts = await this.queue(name).getJobCounts(
        'wait',
        'active',
        'delayed',
        'prioritized',
        'waiting-children',
      );
      total += Object.values(counts).reduce((a, b) => a + b, 0);
    }
    return total;
  }

  /** The last lines of every process's log, for a failure message. */
  logTails(lines = 15): string {
    return this.services.map((s) => `--- ${s.name} (${s.logFile}) ---\n${s.tail(lines)}`).join('\n');
  }

  async stop(): Promise<void> {
    live.delete(this);
    await Promise.allSettled(this.services.map((s) => s.close()));
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    await Promise.allSettled([this.twilio.close(), this.postgres.stop(), this.redis.stop()]);
    if (process.env.FAULTS_KEEP_LOGS) {
      process.stdout.write(`fault lab ${this.name}: logs kept in ${this.dir}\n`);
      rmSync(join(this.dir, 'postgres', 'data'), { recursive: true, force: true });
    } else {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  /** Synchronous teardown for the exit hook: nothing async runs any more at that point. */
  stopSync(): void {
    for (const s of this.services) s.killSync();
    this.postgres.stopSync();
    if (this.redis.pid) tryKill(this.redis.pid);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private writeManifest(): void {
    const manifest: Manifest = {
      ownerPid: process.pid,
      redis: { pid: this.redis.pid, port: this.redis.port },
      postgresDataDir: this.postgres.dataDir,
      services: this.services.map((s) => s.pid).filter((p): p is number => p !== undefined),
    };
    writeFileSync(join(this.dir, 'lab.json'), JSON.stringify(manifest));
  }
}

let hooked = false;

function installExitHook(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const lab of live) lab.stopSync();
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const lab of live) lab.stopSync();
      process.exit(130);
    });
  }
}

function tryKill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether `pid` is still the process the manifest meant (pids get reused): its command line or environment names the lab. */
function belongsToLab(pid: number, dir: string, redisPort?: number): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (redisPort !== undefined) return cmdline.includes('redis-server') && cmdline.includes(String(redisPort));
    return readFileSync(`/proc/${pid}/environ`, 'utf8').includes(dir);
  } catch {
    return false;
  }
}

/** Labs whose test process died without cleaning up (a CI timeout's SIGKILL): their servers are stopped and their files removed. */
function removeAbandonedLabs(): void {
  for (const entry of readdirSync(tmpdir())) {
    if (!entry.startsWith(LAB_PREFIX)) continue;
    const dir = join(tmpdir(), entry);
    const file = join(dir, 'lab.json');
    if (!existsSync(file)) continue;
    let manifest: Manifest;
    try {
      manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    } catch {
      continue;
    }
    if (alive(manifest.ownerPid)) continue;
    for (const pid of manifest.services) if (belongsToLab(pid, dir)) tryKill(pid);
    if (manifest.redis.pid && belongsToLab(manifest.redis.pid, dir, manifest.redis.port)) tryKill(manifest.redis.pid);
    stopClusterSync(manifest.postgresDataDir);
    rmSync(dir, { recursive: true, force: true });
  }
}
