/** Small, dependency-free statistics for the lab's timings. */

export interface Stats {
  n: number;
  median: number;
  /** 90th percentile, linear interpolation between the closest ranks (as numpy's default). */
  p90: number;
  min: number;
  max: number;
  mean: number;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

export function summarise(values: readonly number[]): Stats {
  return {
    n: values.length,
    median: percentile(values, 50),
    p90: percentile(values, 90),
    min: values.length ? Math.min(...values) : Number.NaN,
    max: values.length ? Math.max(...values) : Number.NaN,
    mean: values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN,
  };
}
