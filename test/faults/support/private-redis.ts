import { ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import Redis from 'ioredis';
import { freePort, waitFor } from './ports';

// Above the machine's shared Redis (6379) so a FLUSHALL here can never reach another suite's data.
const FIRST_PORT = 6390;

/** A redis-server of the fault suite's own: no persistence, noeviction (what BullMQ requires), flushed at will. */
export class PrivateRedis {
  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
  ) {}

  static async start(dir: string): Promise<PrivateRedis> {
    const port = await freePort(FIRST_PORT);
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--maxmemory-policy',
        'noeviction',
        '--dir',
        dir,
        '--logfile',
        join(dir, 'redis.log'),
      ],
      { stdio: 'ignore' },
    );
    const redis = new PrivateRedis(port, child);
    await waitFor(
      `private Redis on :${port} listening`,
      () => accepts(port),
      (ok) => ok,
      10_000,
      50,
    );
    await waitFor(
      `private Redis on :${port} answering PING`,
      () => redis.command((r) => r.ping()),
      (pong) => pong === 'PONG',
      10_000,
    );
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Everything BullMQ holds (waiting, active, delayed jobs, locks, job schedulers) is gone at once. */
  async flushAll(): Promise<void> {
    await this.command((r) => r.flushall());
  }

  /** One command on a short-lived connection (the suite's own probes never share the service's connections). */
  async command<T>(run: (redis: Redis) => Promise<T>): Promise<T> {
    const redis = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
    // A refused connection rejects connect(); the event would otherwise be reported as unhandled too.
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      return await run(redis);
    } finally {
      redis.disconnect();
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGKILL');
    await exited;
  }
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
