/**
 * Preloaded into a service process (`node -r dist-bench/bench/cpu-profiler.js`) when BENCH_CPU_PROF is set.
 * `--cpu-prof` only writes on a normal exit, and Nest's shutdown hook re-raises SIGTERM, so the profile is taken
 * through the inspector instead and written when the bench sends SIGWINCH (before it stops the process). Not SIGUSR2:
 * Nest's shutdown hooks listen to that one and would stop the service.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.BENCH_CPU_PROF;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable', () =>
    session.post('Profiler.setSamplingInterval', { interval: 500 }, () => session.post('Profiler.start')),
  );
  process.on('SIGWINCH', () => {
    session.post('Profiler.stop', (error, result) => {
      if (error) return;
      const file = join(dir, `${process.env.BENCH_PROCESS_NAME ?? 'service'}-${process.pid}.cpuprofile`);
      // Renamed into place so the bench, which waits for the file, never reads half of it.
      writeFileSync(`${file}.tmp`, JSON.stringify(result.profile));
      renameSync(`${file}.tmp`, file);
      process.stderr.write(`cpu profile written to ${file}\n`);
    });
  });
}
