import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { runInSandbox, type SandboxSpec } from './sandbox.ts';
import { median, ttftVerdict } from './ttft-verdict.ts';
import type { CheckStatus, TtftMetrics } from './types.ts';

/**
 * Fair TTFT scoring: the submission's streaming functions and the
 * reference's, measured in the same sandboxed child, interleaved, on the same
 * cassette at the same simulator speed (ttft-probe.ts). The verdict is
 * recomputed here from the raw samples; the child only measures.
 */
export interface TtftOptions {
  speed: number;
  trials: number;
  rounds: number;
  timeoutMs: number;
}

export const defaultTtftOptions: TtftOptions = { speed: 0.25, trials: 5, rounds: 3, timeoutMs: 180_000 };

interface ProbeResult {
  provider: 'anthropic' | 'openai';
  reference: number[];
  submission: number[];
  error?: string;
  rounds: number;
}

const isNumbers = (v: unknown): v is number[] => Array.isArray(v) && v.every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0);

export async function scoreTtft(spec: SandboxSpec, env: NodeJS.ProcessEnv, options: TtftOptions = defaultTtftOptions): Promise<TtftMetrics & { duration: number }> {
  const dir = path.join(spec.gradingDir, '.grader');
  mkdirSync(dir, { recursive: true });
  for (const f of ['ttft-probe.ts', 'ttft-verdict.ts']) copyFileSync(path.join(import.meta.dirname, f), path.join(dir, f));
  const out = path.join(dir, 'ttft.json');
  rmSync(out, { force: true });
  const run = await runInSandbox(
    spec,
    [process.execPath, '--import', 'tsx', path.join(dir, 'ttft-probe.ts'), spec.gradingDir, String(options.speed), String(options.trials), String(options.rounds), out],
    env,
    options.timeoutMs,
  );
  const base = { speed: options.speed, rounds: 0, providers: [] as TtftMetrics['providers'], duration: Math.round(run.durationMs) };
  const fail = (status: CheckStatus, message: string) => ({ ...base, status, message });
  if (run.timedOut) return fail('failed', `the TTFT probe did not finish within ${Math.round(options.timeoutMs / 1000)} s (killed)`);
  if (!existsSync(out)) return fail('failed', `the TTFT probe produced no result: ${run.stderr.trim().split('\n').slice(-12).join(' ')}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(out, 'utf8'));
  } catch {
    return fail('failed', 'the TTFT probe wrote an unreadable result');
  }
  if (!Array.isArray(parsed)) return fail('failed', 'the TTFT probe wrote an unreadable result');
  const messages: string[] = [];
  let status: CheckStatus = 'passed';
  for (const r of parsed as ProbeResult[]) {
    if (r.error || !isNumbers(r.reference) || !isNumbers(r.submission) || r.submission.length === 0) {
      status = 'failed';
      messages.push(`${r.provider}: ${r.error ?? 'no samples'}`);
      continue;
    }
    const v = ttftVerdict(r.reference, r.submission);
    base.rounds = Math.max(base.rounds, r.rounds);
    const round1 = (n: number) => Math.round(n * 10) / 10;
    base.providers.push({
      provider: r.provider,
      referenceMs: r.reference.map(round1),
      submissionMs: r.submission.map(round1),
      referenceMedianMs: round1(median(r.reference)),
      submissionMedianMs: round1(median(r.submission)),
      ratio: Math.round(v.ratio * 100) / 100,
      verdict: v.verdict,
    });
    if (v.verdict === 'fail') status = 'failed';
    const what = v.verdict === 'fail' ? 'too slow: does your stream yield text as it arrives, or only at the end?' : v.verdict === 'unclear' ? `unclear after ${r.rounds} round(s), not failed` : 'as fast as it should be';
    messages.push(`${r.provider}: first token after ${round1(median(r.submission))} ms vs the reference's ${round1(median(r.reference))} ms (ratio ${v.ratio.toFixed(2)}): ${what}`);
  }
  return { ...base, status, message: messages.join('; ') };
}
