import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync, WriteStream } from 'node:fs';
import { join } from 'node:path';
import { getJson } from './http-client';
import { freePort, waitFor } from './ports';

export type Role = 'api' | 'worker' | 'all';

const MAIN = join(__dirname, '..', '..', '..', 'dist', 'src', 'main.js');
const READY_LINE = 'ticket-sms is running';
const START_TIMEOUT_MS = 60_000;

/**
 * One ticket-sms process run from the compiled code (`npm run build` → dist/src/main.js), as production runs it:
 * its own role, its own pools, killed and restarted like a real process. Its output goes to `<name>.log`.
 */
export class ServiceProcess {
  private child: ChildProcess | null = null;
  private log: WriteStream | null = null;
  private starts = 0;

  private constructor(
    readonly name: string,
    readonly role: Role,
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly dir: string,
  ) {}

  static async start(name: string, role: Role, env: Record<string, string>, dir: string): Promise<ServiceProcess> {
    const port = role === 'worker' ? 0 : await freePort();
    const service = new ServiceProcess(name, role, port, env, dir);
    await service.launch();
    return service;
  }

  get logFile(): string {
    return join(this.dir, `${this.name}.log`);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process and waits until it says it is running (and, with HTTP, until /health answers 200). */
  async launch(): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running`);
    if (!this.log) this.log = createWriteStream(this.logFile, { flags: 'a' });
    this.starts++;
    this.log.write(`\n--- start #${this.starts} (${this.role}) at ${new Date().toISOString()} ---\n`);
    const env = { ...this.env, ...(this.port ? { PORT: String(this.port) } : {}) };
    const child = spawn(process.execPath, [MAIN, `--role=${this.role}`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let ready = false;
    child.stdout?.on('data', (chunk: Buffer) => {
      this.log?.write(chunk);
      if (chunk.toString().includes(READY_LINE)) ready = true;
    });
    child.stderr?.on('data', (chunk: Buffer) => this.log?.write(chunk));
    await waitFor(
      `${this.name} (${this.role}) starting`,
      async () => {
        if (!this.running) return 'exited';
        if (!ready) return 'starting';
        if (this.role === 'worker') return 'ready';
        return (await getJson(this.port, '/health')).status === 200 ? 'ready' : 'starting';
      },
      (state) => state !== 'starting',
      START_TIMEOUT_MS,
    );
    if (!this.running)
      throw new Error(
        `${this.name} (${this.role}) exited with ${child.exitCode ?? child.signalCode} while starting; ${this.logFile}:\n${this.tail(30)}`,
      );
  }

  /** SIGKILL: no shutdown hooks, active jobs keep their locks until those expire, in-flight requests are cut. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** SIGTERM: the process finishes active jobs and exits (what a deploy does). */
  async stop(): Promise<void> {
    await this.signal('SIGTERM', 30_000);
  }

  /** For the exit safety net. */
  killSync(): void {
    if (this.running) this.child?.kill('SIGKILL');
  }

  /** CPU time (user + system, seconds) the process has used: proof it did work, read from /proc. */
  cpuSeconds(): number {
    if (!this.pid) return 0;
    const fields = readFileSync(`/proc/${this.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime are fields 14 and 15 of /proc/<pid>/stat; fields[0] here is field 3.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  }

  /** The last lines the process wrote. */
  tail(lines: number): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  private async signal(signal: NodeJS.Signals, graceMs = 10_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs))),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      child.kill('SIGKILL');
      await exited;
    }
  }

  async close(): Promise<void> {
    await this.signal('SIGKILL');
    await new Promise<void>((r) => (this.log ? this.log.end(() => r()) : r()));
    this.log = null;
  }
}
