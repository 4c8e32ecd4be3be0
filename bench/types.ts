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

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (i - lo);
}

export const ms = (n: number) => `${n.toFixed(2)} ms`;
