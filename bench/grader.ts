import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fmtMs, round } from './measure.ts';
import type { Bench, BenchRow } from './types.ts';

/**
 * The grader (npm run grade), run as a user runs it, on submissions built
 * from the reference (each module's reference/ copied to exercises/):
 *  - one submission, the default scope (four suites, TTFT, milestone, quiz, labs);
 *  - a batch of 20 in batch mode (--submissions, --jobs = the cores), with a
 *    smaller scope to keep the bench short (the context suite only; set
 *    BENCH_GRADER_FULL=1 for the default scope, which takes several minutes);
 *  - the same smaller scope for one submission alone, so the batch can be
 *    compared with 20 graded one after another.
 * CPU time is the whole process tree's (bash's `times` after the grader
 * exits), so CPU / wall is how many cores the grading kept busy. The whole
 * machine's CPU (/proc/stat) is sampled over the same time: on a shared
 * machine other work takes cores too, and a batch that keeps more than one
 * core busy while the machine is saturated is using both.
 */

export interface GradeRun {
  wallMs: number;
  cpuMs: number;
  /** Share of the whole machine's CPU (all cores, every process) busy meanwhile, 0..1. */
  machineBusy: number;
  exitCode: number;
  /** The last lines of its output, when it failed. */
  tail: string;
}

const REPO = path.resolve(import.meta.dirname, '..');
const MODULES = ['streaming', 'state', 'context', 'persistence'];
export const BATCH_SCOPE = ['--modules', 'context', '--skip', 'ttft,milestone,quiz,labs'];

/** A submission whose exercises are the reference implementations. */
export function referenceSubmission(dir: string): string {
  for (const m of MODULES) cpSync(path.join(REPO, 'modules', m, 'reference'), path.join(dir, 'modules', m, 'exercises'), { recursive: true });
  return dir;
}

/** Jiffies busy and in total over all cores since boot, from /proc/stat (null where there is no /proc). */
export function cpuJiffies(): { busy: number; total: number } | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0); // idle + iowait
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/** "0m23.845s" -> ms */
function parseTimes(s: string): number {
  const m = /^(\d+)m([\d.]+)s$/.exec(s.trim());
  return m ? (Number(m[1]) * 60 + Number(m[2])) * 1000 : NaN;
}

/** Run `npm run grade -- <args>` (as node + tsx, without npm in between), timing wall and CPU of the whole tree. */
export function runGrade(args: string[], progress: (m: string) => void, timeoutMs = 15 * 60_000): Promise<GradeRun> {
  const quoted = [process.execPath, '--import', 'tsx', 'scripts/grade.ts', ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  // bash waits for the grader; `times` then prints the CPU its children used (user, system).
  const script = `${quoted} > "$GRADE_LOG" 2>&1; rc=$?; times; exit $rc`;
  const log = path.join(mkdtempSync(path.join(os.tmpdir(), 'bench-grade-log-')), 'out.txt');
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const before = cpuJiffies();
    const child = spawn('bash', ['-c', script], { cwd: REPO, env: { ...process.env, GRADE_LOG: log }, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const beat = setInterval(() => progress(`  still grading (${Math.round((performance.now() - started) / 1000)} s)`), 15_000);
    const timer = setTimeout(() => {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(beat);
      clearTimeout(timer);
      const wallMs = performance.now() - started;
      const after = cpuJiffies();
      const machineBusy = before && after && after.total > before.total ? (after.busy - before.busy) / (after.total - before.total) : NaN;
      const lines = out.trim().split('\n');
      const [user, sys] = (lines[1] ?? '').split(/\s+/).map(parseTimes);
      let tail = '';
      if (code !== 0) {
        try {
          tail = readFileSync(log, 'utf8').trim().split('\n').slice(-5).join(' / ');
        } catch {
          tail = '(no output)';
        }
      }
      rmSync(path.dirname(log), { recursive: true, force: true });
      resolve({ wallMs, cpuMs: user + sys, machineBusy, exitCode: code ?? -1, tail });
    });
  });
}

export interface GraderMeasurement {
  single: GradeRun;
  singleSmall: GradeRun;
  batch: GradeRun;
  batchSize: number;
  jobs: number;
  batchScope: string;
}

export async function measureGrader(opts: { batchSize?: number; full?: boolean } = {}, progress: (m: string) => void = () => {}): Promise<GraderMeasurement> {
  const batchSize = opts.batchSize ?? 20;
  const jobs = os.availableParallelism();
  const scope = opts.full ? [] : BATCH_SCOPE;
  const root = mkdtempSync(path.join(os.tmpdir(), 'bench-grader-'));
  try {
    const out = path.join(root, 'out');
    const one = referenceSubmission(path.join(root, 'one', 'alice'));
    const common = ['--reports', 'none', '--quiet', '--out', out];
    progress('one submission, default scope (every suite, TTFT, milestone, quiz, labs)');
    const single = await runGrade(['--submission', one, ...common], progress);
    progress(`one submission, batch scope (${scope.join(' ') || 'default'})`);
    const singleSmall = await runGrade(['--submission', one, ...scope, ...common], progress);
    const batchDir = path.join(root, 'batch');
    mkdirSync(batchDir);
    for (let i = 0; i < batchSize; i++) cpSync(one, path.join(batchDir, `learner-${String(i + 1).padStart(2, '0')}`), { recursive: true });
    progress(`a batch of ${batchSize}, --jobs ${jobs}, batch scope`);
    const batch = await runGrade(['--submissions', batchDir, '--jobs', String(jobs), ...scope, ...common], progress);
    return { single, singleSmall, batch, batchSize, jobs, batchScope: scope.join(' ') || 'default scope' };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const failed = (r: GradeRun) => (r.exitCode === 0 ? '' : `; exit ${r.exitCode}: ${r.tail}`);

export function graderRows(m: GraderMeasurement): BenchRow[] {
  const cores = m.jobs;
  const busy = m.batch.cpuMs / m.batch.wallMs;
  const serial = m.singleSmall.wallMs * m.batchSize;
  const saturated = m.batch.machineBusy >= 0.9;
  // Both cores in use: most of them kept busy by the batch, or more than one while others' work filled the rest.
  const usesAll = busy >= 0.75 * cores || (saturated && busy > 1.05 * (cores / 2));
  return [
    {
      what: 'grader: one submission (reference exercises), default scope',
      baseline: '-',
      result: `wall ${fmtMs(m.single.wallMs)}, CPU ${fmtMs(m.single.cpuMs)} (${(m.single.cpuMs / m.single.wallMs).toFixed(2)} cores busy; the machine ${(m.single.machineBusy * 100).toFixed(0)}% busy)${failed(m.single)}`,
      target: 'report wall time',
      met: null,
      data: { wallMs: round(m.single.wallMs), cpuMs: round(m.single.cpuMs), exitCode: m.single.exitCode },
    },
    {
      what: `grader: a batch of ${m.batchSize} (batch mode, --jobs ${m.jobs}; ${m.batchScope})`,
      baseline: `one submission with the same scope, alone: ${fmtMs(m.singleSmall.wallMs)} (x${m.batchSize} = ${fmtMs(serial)} one after another)`,
      result:
        `wall ${fmtMs(m.batch.wallMs)} (${(serial / m.batch.wallMs).toFixed(2)}x faster than one after another), ` +
        `CPU ${fmtMs(m.batch.cpuMs)}: ${busy.toFixed(2)} of ${cores} cores busy (the whole machine ${(m.batch.machineBusy * 100).toFixed(0)}% busy meanwhile)${failed(m.batch)}`,
      target: `report wall time; batch uses both cores (>= ${(0.75 * cores).toFixed(1)} of ${cores} busy, or > ${((1.05 * cores) / 2).toFixed(2)} with the machine saturated)`,
      met: usesAll && m.batch.exitCode === 0,
      data: {
        batchSize: m.batchSize,
        jobs: m.jobs,
        scope: m.batchScope,
        wallMs: round(m.batch.wallMs),
        cpuMs: round(m.batch.cpuMs),
        coresBusy: round(busy, 3),
        machineBusyPct: round(m.batch.machineBusy * 100, 3),
        singleSameScopeWallMs: round(m.singleSmall.wallMs),
        speedupOverSerial: round(serial / m.batch.wallMs, 3),
        exitCode: m.batch.exitCode,
      },
    },
  ];
}

export const grader: Bench = {
  id: 'grader',
  title: 'Grader: one submission, and a batch of 20 on every core',
  note: "npm run grade on submissions whose exercises are the reference: one with the default scope; 20 in batch mode (--jobs = cores) with the context suite only (BENCH_GRADER_FULL=1 for the full scope). CPU of the whole process tree from bash's times.",
  async run(progress) {
    return graderRows(await measureGrader({ full: process.env.BENCH_GRADER_FULL === '1' }, progress));
  },
};
