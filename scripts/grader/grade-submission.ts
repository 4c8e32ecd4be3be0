import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { loadCatalogue } from '../../modules/catalogue.ts';
import { checkRedis, REDIS_URL } from '../../test-support/services.ts';
import { repoRoot, runSuite, type SuiteRun, type TestOutcome } from '../lib/run-suite.ts';
import { buildGradingDir, verifyAndRestore } from './grading-dir.ts';
import { inspect } from './inspect.ts';
import type { Manifest } from './manifest.ts';
import { gradeMilestone } from './milestone.ts';
import { describeContainment, probeCapabilities, REDIS_IN_SANDBOX, sandboxEnv, wrapCommand, type SandboxSpec } from './sandbox.ts';
import type { PartialLine } from './partial-reporter.ts';
import { score } from './score.ts';
import { defaultTtftOptions, scoreTtft, type TtftOptions } from './ttft.ts';
import type { ContainmentLevel, GradeReport, IntegrityFlag, SuiteMetrics } from './types.ts';

/** Grade one submission (or the learner's own workspace) into a report. */
export interface GradeOptions {
  root: string;
  name: string;
  kind: 'workspace' | 'submission';
  /** Modules whose suites to run; the rest are "not graded". */
  modules: string[];
  quiz: boolean;
  labs: boolean;
  ttft: boolean;
  milestone: boolean;
  milestoneUrl?: string;
  /** Per suite run. */
  timeoutMs: number;
  /** Per test (vitest --testTimeout); default: the suites' own (30 s). */
  testTimeoutMs?: number;
  containment: 'auto' | ContainmentLevel;
  manifest: Manifest | null;
  /** Folder for grading folders (hidden from each other inside the sandbox). */
  workDir: string;
  /** Folders the sandbox hides (submissions, reports). */
  hide: string[];
  /** Workspace only: the .workbench folder. */
  workbenchDir?: string;
  ttftOptions?: TtftOptions;
  keep?: boolean;
  onProgress?: (stage: string) => void;
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60) || 'submission';

export async function gradeSubmission(o: GradeOptions): Promise<GradeReport> {
  const started = performance.now();
  const catalogue = await loadCatalogue();
  const modules = o.modules.filter((m) => catalogue.some((c) => c.name === m));
  const caps = probeCapabilities(o.containment);
  const id = `${safe(o.name)}-${randomUUID().slice(0, 8)}`;
  const gradingParent = path.join(o.workDir, 'work');
  const spec: SandboxSpec = {
    caps,
    gradingDir: path.join(gradingParent, id),
    holdDir: path.join(o.workDir, 'hold', id),
    gradingParent,
    hide: [...o.hide, process.env.HOME ?? '/root'].filter((d) => d && !o.workDir.startsWith(d)),
    readOnly: [repoRoot],
    redis: false,
  };
  mkdirSync(spec.holdDir, { recursive: true });
  const flags: IntegrityFlag[] = [];
  let redis: 'private' | 'shared' | 'unavailable' = 'unavailable';
  if (caps.level !== 'process' && caps.redisServer) redis = 'private';
  else if (caps.level === 'process' && (await checkRedis()).available) redis = 'shared';

  o.onProgress?.('reading quiz, labs, README, git');
  const inspection = inspect(o.root, { kind: o.kind, workbenchDir: o.workbenchDir, modules: catalogue.map((c) => c.name) });
  flags.push(...inspection.flags);
  const runs = new Map<string, SuiteRun>();
  const suites: SuiteMetrics[] = [];
  const envSkips = new Map<string, string>();
  if (redis === 'unavailable') envSkips.set('persistence', 'Redis is unavailable to the grader');
  let ttft: Awaited<ReturnType<typeof scoreTtft>> | null = null;
  let milestone: Awaited<ReturnType<typeof gradeMilestone>> | null = null;
  let error: string | undefined;
  try {
    const copied = buildGradingDir(o.root, spec.gradingDir, catalogue.map((c) => c.name));
    if (copied.symlinks.length) flags.push({ kind: 'symlink', severity: 'warning', message: 'symbolic links in the exercises were not copied', files: copied.symlinks });
    if (copied.testFiles.length) flags.push({ kind: 'suite-edited', severity: 'warning', message: 'test files in the exercises were not copied: only the pristine suites run', files: copied.testFiles });
    if (copied.tooLarge.length) flags.push({ kind: 'not-copied', severity: 'warning', message: 'files over 1 MB in the exercises were not copied', files: copied.tooLarge });
    const redisEnv = redis === 'private' ? { REDIS_URL: REDIS_IN_SANDBOX, REQUIRE_REDIS: '1' } : redis === 'shared' ? { REDIS_URL, REQUIRE_REDIS: '1' } : { REDIS_URL: 'redis://127.0.0.1:1', REQUIRE_REDIS: '0' };
    for (const m of modules) {
      o.onProgress?.(`${m} suite`);
      const s: SandboxSpec = { ...spec, redis: redis === 'private' && m === 'persistence' };
      const partial = path.join(spec.gradingDir, '.grader', `partial-${m}.jsonl`);
      const run = await runSuite(m, {
        root: spec.gradingDir,
        target: spec.gradingDir,
        timeoutMs: o.timeoutMs,
        env: sandboxEnv(s, { ...redisEnv, GRADER_PARTIAL_FILE: partial }),
        wrap: (argv) => wrapCommand(s, argv),
        vitestArgs: ['--allowOnly=false', `--reporter=${path.join(import.meta.dirname, 'partial-reporter.ts')}`, ...(o.testTimeoutMs ? [`--testTimeout=${o.testTimeoutMs}`] : [])],
        outputDir: path.join(spec.gradingDir, '.grader', 'results'),
      });
      if (run.timedOut) run.tests = readPartial(partial, path.join(spec.gradingDir, 'modules', m, `${m}.test.ts`));
      runs.set(m, run);
      const touched = verifyAndRestore(spec.gradingDir);
      if (touched.length) flags.push({ kind: 'grader-files-modified', severity: 'problem', message: `while the ${m} suite ran, the submission changed the grader's pristine files (restored before the next run)`, files: touched });
      const count = (st: string) => run.tests.filter((t) => t.status === st).length;
      suites.push({ module: m, durationMs: Math.round(run.durationMs), passed: count('passed'), failed: count('failed'), skipped: count('skipped'), expected: o.manifest?.[m]?.length ?? run.tests.length, crashed: run.crashed, timedOut: run.timedOut });
    }
    const hasStreaming = existsSync(path.join(spec.gradingDir, 'modules', 'streaming', 'exercises', 'index.ts'));
    if (o.ttft) {
      o.onProgress?.('TTFT against the reference');
      ttft = hasStreaming ? await scoreTtft(spec, sandboxEnv(spec, {}), o.ttftOptions ?? defaultTtftOptions) : { status: 'failed', speed: 0, rounds: 0, providers: [], message: 'no modules/streaming/exercises/index.ts to measure', duration: 0 };
    }
    if (o.milestone) {
      o.onProgress?.('milestone conformance');
      milestone = await gradeMilestone({ root: o.root, inspection, url: o.milestoneUrl, spec, timeoutMs: o.timeoutMs });
    }
    flags.push(...networkFlags(spec, caps.level));
  } catch (e) {
    error = `the grader failed: ${(e as Error).stack ?? String(e)}`;
  } finally {
    if (!o.keep) {
      rmSync(spec.gradingDir, { recursive: true, force: true });
      rmSync(spec.holdDir, { recursive: true, force: true });
    }
  }

  const graded = { modules, quiz: o.quiz, labs: o.labs, ttft: o.ttft, milestone: o.milestone };
  const scored = score({
    catalogue,
    modules,
    runs,
    manifest: o.manifest,
    envSkips,
    inspection,
    graded,
    ttft: ttft ? { status: ttft.status, message: ttft.message, duration: ttft.duration } : null,
    milestone: milestone?.checks ?? null,
  });
  flags.push(...scored.flags);
  const worst = flags.some((f) => f.severity === 'problem') ? 'problem' : flags.some((f) => f.severity === 'warning') ? 'warning' : 'ok';
  return {
    schema: 'grade-report/v1',
    submission: { name: o.name, root: o.root, kind: o.kind },
    gradedAt: new Date().toISOString(),
    durationMs: Math.round(performance.now() - started),
    score: { points: scored.points, max: scored.max, percent: scored.max ? Math.round((scored.points / scored.max) * 1000) / 10 : 0 },
    items: scored.items,
    tests: scored.checks,
    metrics: { suites, ttft: ttft ? { status: ttft.status, speed: ttft.speed, rounds: ttft.rounds, providers: ttft.providers, message: ttft.message } : null, milestone: milestone?.metrics ?? null },
    integrity: { status: worst, flags },
    containment: describeContainment(caps, redis),
    graded,
    ...(error ? { error } : {}),
  };
}

/** The tests that finished before a run was killed (partial-reporter.ts). */
function readPartial(file: string, suite: string): TestOutcome[] {
  if (!existsSync(file)) return [];
  const tests: TestOutcome[] = [];
  for (const text of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    try {
      const l = JSON.parse(text) as PartialLine;
      if (path.resolve(l.file) !== suite || (l.state !== 'passed' && l.state !== 'failed')) continue;
      tests.push({ exercise: l.ancestors[0] ?? '', name: [...l.ancestors.slice(1), l.title].join(' > '), status: l.state, message: String(l.message).slice(0, 2000), durationMs: Number(l.duration) || 0 });
    } catch {
      // a mangled line: skip it
    }
  }
  return tests;
}

/** Connections to non-loopback addresses the network guard saw. */
function networkFlags(spec: SandboxSpec, level: ContainmentLevel): IntegrityFlag[] {
  const log = path.join(spec.gradingDir, '.grader', 'network.jsonl');
  if (!existsSync(log)) return [];
  const targets = new Set<string>();
  for (const line of readFileSync(log, 'utf8').split('\n').filter(Boolean).slice(0, 1000)) {
    try {
      const e = JSON.parse(line) as { host: string; port: number };
      targets.add(`${e.host}:${e.port}`);
    } catch {
      // a line the submission mangled: ignore
    }
  }
  if (!targets.size) return [];
  const how = level === 'process' ? 'refused by the grader\'s network guard' : 'unreachable: the sandbox has loopback only';
  return [{ kind: 'network-attempt', severity: 'warning', message: `tried to connect to ${targets.size} non-loopback address(es), ${how}`, files: [...targets].slice(0, 20) }];
}
