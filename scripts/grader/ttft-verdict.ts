/**
 * The TTFT decision, shared by the probe (to know when to stop measuring)
 * and the grader (which recomputes it from the raw samples).
 *
 * ratio = median(reference) / median(submission): 1 is as fast as the
 * reference. The submission passes when its TTFT is within `1 / threshold`
 * times the reference's. The verdict is clear only when the spreads agree:
 * pass when even the submission's slow trials (p75) are within bounds of the
 * reference's fast ones (p25); fail when even its fast trials (p25) are out
 * of bounds of the reference's slow ones (p75). Anything between is unclear
 * and is measured again; unclear after the last round is not a failure.
 */
export const TTFT_THRESHOLD = 0.5;

export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export const median = (v: number[]) => quantile(v, 0.5);

export interface Verdict {
  ratio: number;
  verdict: 'pass' | 'fail' | 'unclear';
}

export function ttftVerdict(reference: number[], submission: number[], threshold = TTFT_THRESHOLD): Verdict {
  const ratio = median(reference) / median(submission);
  if (!Number.isFinite(ratio)) return { ratio: 0, verdict: 'fail' };
  // A small absolute allowance: a few ms of scheduling noise never decides a verdict.
  const slack = 5;
  const bound = (refMs: number) => refMs / threshold + slack;
  if (quantile(submission, 0.75) <= bound(quantile(reference, 0.25))) return { ratio, verdict: 'pass' };
  if (quantile(submission, 0.25) > bound(quantile(reference, 0.75))) return { ratio, verdict: 'fail' };
  return { ratio, verdict: 'unclear' };
}
