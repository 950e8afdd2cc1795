/**
 * Segments: analyzeSms and splitSms (split mode, smart encoding) on texts of 8,000 and 32,000 characters of plain
 * words, CJK and emoji with flags, median of BENCH_REPEATS runs each after a warm-up. Time should grow with the
 * length, not its square.
 */
import { analyzeSms, splitSms } from '../src/sms/segments/segments';
import { fmt, median, REPEATS } from './support';

const TEXTS: Record<string, (length: number) => string> = {
  words: (n) => 'hello world '.repeat(n / 12),
  CJK: (n) => '中文字 '.repeat(n / 4),
  'emoji and flags': (n) => '😀 🇫🇷 '.repeat(n / 8),
};

export interface SegmentsFigures {
  /** ms per split, by text kind and length. */
  splitMs: Record<string, Record<number, number>>;
}

function timed(work: () => unknown): number {
  const started = performance.now();
  work();
  return performance.now() - started;
}

export function benchSegments(): SegmentsFigures {
  const splitMs: SegmentsFigures['splitMs'] = {};
  for (const [kind, make] of Object.entries(TEXTS)) {
    splitMs[kind] = {};
    for (const length of [8_000, 32_000]) {
      const text = make(length);
      splitSms(text, { smartEncoding: true, mode: 'split' });
      const analyze = median(
        Array.from({ length: REPEATS }, () => timed(() => analyzeSms(text, { smartEncoding: true }))),
      );
      const split = median(
        Array.from({ length: REPEATS }, () => timed(() => splitSms(text, { smartEncoding: true, mode: 'split' }))),
      );
      splitMs[kind][length] = split;
      console.log(`  segments: ${kind}, ${text.length} characters: analyze ${fmt(analyze)} ms, split ${fmt(split)} ms`);
    }
  }
  return { splitMs };
}

if (require.main === module) benchSegments();
