import { seededRandom } from '../fixtures/sim/random.ts';

/** One benchmark's outcome, as written to bench/results.json and the Markdown table. */
export interface BenchRow {
  /** What was measured. */
  what: string;
  /** The baseline it is compared against, measured in the same run. */
  baseline: string;
  /** The measured figure, human-readable (e.g. "median 0.4 ms, p95 1.1 ms"). */
  result: string;
  target: string;
  met: boolean | null;
  /** Raw numbers for machines. */
  data: Record<string, number | string | number[]>;
}

export interface Bench {
  id: string;
  title: string;
  /** What is measured and how, for the reader of RESULTS.md (a few sentences). */
  note?: string;
  run(progress: (message: string) => void): Promise<BenchRow[]>;
}

export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (i - lo);
}

/**
 * How far quantile(a, q) - quantile(b, q) could move from sampling alone: a 90% interval by the
 * percentile bootstrap (both samples resampled with replacement, `rounds` times; seeded, so the same
 * data always gives the same interval). A p99 of a few thousand streams rests on its few dozen
 * slowest, so it moves between runs of the same code on the same machine; this says by how much.
 */
export function quantileDifferenceInterval(a: number[], b: number[], q: number, rounds = 400, seed = 1): { low: number; high: number } {
  if (a.length === 0 || b.length === 0) return { low: NaN, high: NaN };
  const rand = seededRandom(seed);
  const resampledQuantile = (xs: number[], into: Float64Array): number => {
    for (let i = 0; i < into.length; i++) into[i] = xs[Math.floor(rand() * xs.length)];
    into.sort();
    return quantile(into, q);
  };
  const bufA = new Float64Array(a.length);
  const bufB = new Float64Array(b.length);
  const diffs: number[] = [];
  for (let r = 0; r < rounds; r++) diffs.push(resampledQuantile(a, bufA) - resampledQuantile(b, bufB));
  diffs.sort((x, y) => x - y);
  return { low: quantile(diffs, 0.05), high: quantile(diffs, 0.95) };
}

export const ms = (n: number) => `${n.toFixed(2)} ms`;
