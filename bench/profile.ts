/**
 * Prints where a service spent its CPU, from a profile written with BENCH_CPU_PROF: the top frames by self time,
 * and the top modules (package or source folder) by self time.
 *   node dist-bench/bench/profile.js <file.cpuprofile> [rows]
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** node_modules/<package>, or the folder of our own code, or the V8 pseudo-frame name. */
function moduleOf(frame: CallFrame): string {
  if (!frame.url) return `(${frame.functionName || 'native'})`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(frame.url);
  if (pkg) return pkg[1];
  const own = /dist-bench\/(src\/[^/]+(?:\/[^/]+)?)\//.exec(frame.url);
  if (own) return own[1];
  if (frame.url.startsWith('node:')) return frame.url.replace(/^node:(internal\/)?/, 'node:').split('/')[0];
  return frame.url.split('/').slice(-2).join('/');
}

export function summarise(profile: CpuProfile, rows = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const frames = new Map<string, number>();
  const modules = new Map<string, number>();
  for (const [id, us] of self) {
    const { callFrame } = byId.get(id)!;
    const key = `${callFrame.functionName || '(anonymous)'} ${callFrame.url.replace(/^.*\/(node_modules|dist-bench)\//, '')}:${callFrame.lineNumber + 1}`;
    frames.set(key, (frames.get(key) ?? 0) + us);
    modules.set(moduleOf(callFrame), (modules.get(moduleOf(callFrame)) ?? 0) + us);
  }
  // Inclusive: a sample counts once for every module on its stack (what a module and everything it calls cost).
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  for (const [id, us] of self) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at))
      seen.add(moduleOf(byId.get(at)!.callFrame));
    for (const m of seen) inclusive.set(m, (inclusive.get(m) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
  const top = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, rows)
      .map(([k, us]) => `  ${pct(us)}  ${k}`)
      .join('\n');
  return [
    `${(total / 1e6).toFixed(1)} s of samples`,
    'by module (self time):',
    top(modules),
    'by module (inclusive: the module and what it calls):',
    top(inclusive),
    'by frame (self time):',
    top(frames),
  ].join('\n');
}

if (require.main === module) {
  const [file, rows] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node dist-bench/bench/profile.js <file.cpuprofile> [rows]');
    process.exit(2);
  }
  console.log(summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, Number(rows ?? 25)));
}
