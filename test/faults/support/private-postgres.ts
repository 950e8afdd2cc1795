import { execFile, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort, sleep, waitFor } from './ports';

const run = promisify(execFile);
// Away from the machine's shared cluster (5432): restarts here disturb nobody else.
const FIRST_PORT = 5490;

/** Debian's binaries of the newest installed PostgreSQL (PG_BIN overrides). */
function binDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0)
    throw new Error(`no PostgreSQL binaries under ${root}; set PG_BIN to the directory holding initdb and pg_ctl`);
  return join(root, versions[0], 'bin');
}

/** initdb refuses to run as root: as root, the cluster belongs to the `postgres` OS user. */
function asClusterOwner(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

/** Stops whatever server runs on `dataDir` at once, synchronously (exit hooks, clean-up of an abandoned run). */
export function stopClusterSync(dataDir: string): void {
  if (!existsSync(join(dataDir, 'postmaster.pid'))) return;
  const [command, args] = asClusterOwner(join(binDir(), 'pg_ctl'), [
    '-D',
    dataDir,
    'stop',
    '-m',
    'immediate',
    '-w',
    '-t',
    '30',
  ]);
  spawnSync(command, args, { stdio: 'ignore' });
}

/**
 * A PostgreSQL cluster of the fault suite's own, in a temporary directory on a free port, trust auth. fsync is off
 * (a crash of the server process still keeps every committed transaction: the WAL reached the OS before COMMIT
 * returned); only a crash of the whole machine would lose data, and the suite never simulates that.
 */
export class PrivatePostgres {
  private running = false;

  private constructor(
    readonly port: number,
    private readonly root: string,
    private readonly bin: string,
  ) {}

  static async start(dir: string): Promise<PrivatePostgres> {
    const bin = binDir();
    const root = join(dir, 'postgres');
    mkdirSync(root, { recursive: true });
    if (process.getuid?.() === 0) {
      const owner = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
      const uid = Number(owner.stdout.trim());
      const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
      if (!Number.isInteger(uid) || owner.status !== 0)
        throw new Error('running as root needs the `postgres` OS user to own the private cluster');
      chownSync(root, uid, gid);
    }
    const port = await freePort(FIRST_PORT);
    const pg = new PrivatePostgres(port, root, bin);
    await pg.exec('initdb', [
      '-D',
      pg.dataDir,
      '-A',
      'trust',
      '-U',
      'postgres',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
      '--no-instructions',
    ]);
    await pg.startServer();
    return pg;
  }

  get dataDir(): string {
    return join(this.root, 'data');
  }

  get logFile(): string {
    return join(this.root, 'postgres.log');
  }

  /** Server URL without a database name. */
  get serverUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.port}`;
  }

  /** Stops the server (`immediate` is a crash: no checkpoint, connections cut), stays down for `downMs`, starts it again. */
  async restart(mode: 'fast' | 'immediate', downMs: number): Promise<void> {
    await this.stopServer(mode);
    await sleep(downMs);
    await this.startServer();
  }

  async stopServer(mode: 'fast' | 'immediate'): Promise<void> {
    await this.exec('pg_ctl', ['-D', this.dataDir, 'stop', '-m', mode, '-w', '-t', '60']);
    this.running = false;
  }

  async startServer(): Promise<void> {
    const options = [
      `-p ${this.port}`,
      '-c listen_addresses=127.0.0.1',
      `-c unix_socket_directories=${this.root}`,
      '-c fsync=off',
      '-c full_page_writes=off',
      '-c max_connections=200',
      '-c shared_buffers=64MB',
    ].join(' ');
    await this.exec('pg_ctl', ['-D', this.dataDir, '-l', this.logFile, '-o', options, '-w', '-t', '60', 'start']);
    this.running = true;
    await waitFor(
      `private PostgreSQL on :${this.port} accepting queries`,
      () => this.query('SELECT 1 AS ok'),
      (rows) => rows.length === 1,
      30_000,
    );
  }

  /** One query on a connection of its own (so a restart never leaves the suite holding a dead client). */
  async query<T = Record<string, unknown>>(text: string, params: unknown[] = [], database = 'postgres'): Promise<T[]> {
    const client = new Client({ connectionString: `${this.serverUrl}/${database}` });
    await client.connect();
    try {
      return (await client.query(text, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  /** Stops the server at once; the caller removes the directory. Safe to call twice. */
  async stop(): Promise<void> {
    if (!this.running) return;
    await this.stopServer('immediate');
  }

  /** For the exit safety net: stops the server synchronously (no event loop left to wait on). */
  stopSync(): void {
    if (!this.running) return;
    stopClusterSync(this.dataDir);
    this.running = false;
  }

  private async exec(tool: string, args: string[]): Promise<void> {
    const [command, fullArgs] = asClusterOwner(join(this.bin, tool), args);
    try {
      await run(command, fullArgs, { cwd: this.root, timeout: 90_000 });
    } catch (e) {
      const err = e as Error & { stdout?: string; stderr?: string };
      throw new Error(`${tool} ${args.join(' ')} failed: ${err.message}\n${err.stderr ?? ''}${err.stdout ?? ''}`);
    }
  }
}
