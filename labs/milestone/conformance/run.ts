/**
 * npm run conformance -- --url http://127.0.0.1:8000 [--spawn "<command>"] [--no-faults] [--json <file>]
 *
 * Runs the conformance suite (conformance.test.ts, in a child vitest) against
 * any server that implements the milestone API, prints one line per test, and
 * optionally writes a JSON report for graders. Exit code: 0 all passed (skips
 * allowed), 1 a test failed, 2 bad flags, 3 the suite could not run.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UsageError, numberOption, paint, parseCommand, runMain, type CommandSpec } from '../../../scripts/lib/cli.ts';
import { TESTS, type TestId, type TestSpec } from './tests.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');
const suiteFile = path.join(import.meta.dirname, 'conformance.test.ts');

export interface TestReport {
  id: TestId | null;
  group: string;
  name: string;
  status: 'passed' | 'failed' | 'skipped';
  message: string;
  durationMs: number;
  /** Checklist items this test evidences (checklist/items.ts). */
  items: string[];
}

export interface ConformanceReport {
  schema: 'milestone-conformance/v1';
  target: { url: string | null; spawn: string | null; faults: boolean };
  startedAt: string;
  durationMs: number;
  summary: { total: number; passed: number; failed: number; skipped: number };
  /** Why nothing (or not everything) ran: the server did not start, the suite timed out... */
  crashed: string | null;
  tests: TestReport[];
}

interface VitestJson {
  testResults?: Array<{ status: string; message?: string; assertionResults: Array<{ title: string; status: string; duration?: number | null; failureMessages: string[] }> }>;
}

const OPTIONS = {
  url: { type: 'string' },
  spawn: { type: 'string' },
  'no-faults': { type: 'boolean' },
  json: { type: 'string' },
  t: { type: 'string' },
  timeout: { type: 'string' },
  'start-timeout': { type: 'string' },
  verbose: { type: 'boolean' },
} as const;

const COMMAND: CommandSpec<typeof OPTIONS> = {
  name: 'conformance',
  summary: 'test a milestone chat API server over HTTP (any language) against the contract',
  usage: 'npm run conformance -- [--url <base url>] [--spawn "<command>"] [--no-faults] [--json <file>] [-t <pattern>]',
  options: OPTIONS,
  help: [
    ['--url <url>', 'base URL of the server under test, e.g. http://127.0.0.1:8000 (default: start the reference)'],
    ['--spawn "<cmd>"', 'command that starts the server (run with sh -c, PORT set from --url); enables the restart and crash tests'],
    ['--no-faults', 'the server is not on this project\'s simulator (e.g. a live provider): skip the [[fault:...]] tests'],
    ['--json <file>', 'write a JSON report: per test {id, group, name, status, message, durationMs, items}'],
    ['-t <pattern>', 'only tests whose name matches (vitest -t)'],
    ['--timeout <s>', 'give up on the whole run after this long (default 900)'],
    ['--start-timeout <ms>', 'how long the server may take to answer after --spawn (default 30000)'],
    ['--verbose', 'show vitest\'s own output too'],
  ],
  examples: [
    'npm run conformance                                        # the reference, started by the suite',
    'npm run conformance -- --url http://127.0.0.1:8000          # a server you started (no restart tests)',
    'npm run conformance -- --url http://127.0.0.1:8000 --spawn "CONTEXT_MAX_TOKENS=4000 npm run serve" --json report.json',
    'npm run conformance -- --url http://127.0.0.1:8000 --spawn "uvicorn app:app --port 8000"   # a FastAPI app',
  ],
};

function skipReason(spec: TestSpec, env: { canRestart: boolean; faults: boolean }, pattern: string | undefined): string {
  const needs: readonly string[] = spec.needs ?? [];
  if (needs.includes('spawn') && !env.canRestart) return 'skipped: needs --spawn "<command>" so the suite can restart the server';
  if (needs.includes('faults') && !env.faults) return 'skipped: --no-faults';
  return pattern ? `skipped: not selected by -t ${JSON.stringify(pattern)}` : 'skipped';
}

/** Turn vitest's JSON into the report: one entry per test of the TESTS table, in its order. */
export function buildReport(json: VitestJson | null, base: Omit<ConformanceReport, 'summary' | 'tests'>, pattern?: string): ConformanceReport {
  const results = new Map<string, { status: string; duration?: number | null; failureMessages: string[] }>();
  let fileError: string | null = null;
  for (const file of json?.testResults ?? []) {
    for (const a of file.assertionResults) results.set(a.title, a);
    const ran = file.assertionResults.some((a) => a.status === 'passed' || a.status === 'failed');
    if (file.status === 'failed' && (file.message || !ran)) fileError = (file.message || 'the suite failed outside any test (run with --verbose)').split('\n').slice(0, 8).join('\n');
  }
  const crashed = base.crashed ?? fileError;
  const hookFailed = (json?.testResults ?? []).some((f) => f.status === 'failed');
  const env = { canRestart: base.target.spawn !== null || base.target.url === null, faults: base.target.faults };
  const tests: TestReport[] = (Object.entries(TESTS) as Array<[TestId, TestSpec]>).map(([id, spec]) => {
    const r = results.get(spec.title);
    const entry = { id, group: spec.group, name: spec.title, items: [...spec.items], durationMs: Math.round(r?.duration ?? 0) };
    if (r?.status === 'passed') return { ...entry, status: 'passed', message: '' };
    if (r?.status === 'failed') return { ...entry, status: 'failed', message: (r.failureMessages[0] ?? 'failed').split('\n').slice(0, 12).join('\n') };
    const planned = skipReason(spec, env, pattern);
    if ((crashed || hookFailed) && planned === 'skipped') return { ...entry, status: 'failed', message: `did not run: ${crashed ?? 'a setup step failed (run with --verbose)'}` };
    return { ...entry, status: 'skipped', message: planned };
  });
  const count = (s: TestReport['status']) => tests.filter((t) => t.status === s).length;
  return { ...base, crashed, summary: { total: tests.length, passed: count('passed'), failed: count('failed'), skipped: count('skipped') }, tests };
}

runMain(async () => {
  const { values } = parseCommand(COMMAND);
  const url = values.url?.replace(/\/+$/, '') ?? null;
  if (url !== null && !/^https?:\/\/[^/]+$/.test(url)) throw new UsageError(`--url must be a base URL like http://127.0.0.1:8000; got "${values.url}"`);
  if (values.spawn && url === null) throw new UsageError('--spawn needs --url: the suite must know where your command makes the server listen');
  const timeoutMs = numberOption(values.timeout, '--timeout', 900, { min: 10 }) * 1000;
  const startTimeout = numberOption(values['start-timeout'], '--start-timeout', 30_000, { min: 1000 });
  const faults = !values['no-faults'];
  const out = mkdtempSync(path.join(tmpdir(), 'milestone-conformance-'));
  const outputFile = path.join(out, 'vitest.json');
  const args = [path.join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs'), 'run', suiteFile, '--root', repoRoot, '--config', path.join(repoRoot, 'vitest.config.ts'), '--reporter=json', `--outputFile=${outputFile}`];
  if (values.verbose) args.push('--reporter=verbose');
  if (values.t) args.push('-t', values.t);
  const env: NodeJS.ProcessEnv = { ...process.env, MILESTONE_FAULTS: faults ? '1' : '0', MILESTONE_START_TIMEOUT_MS: String(startTimeout), NO_COLOR: '1', FORCE_COLOR: '0' };
  delete env.MILESTONE_URL;
  delete env.MILESTONE_SPAWN;
  if (url) env.MILESTONE_URL = url;
  if (values.spawn) env.MILESTONE_SPAWN = values.spawn;

  const startedAt = new Date();
  console.log(`Conformance: ${url ? `${url}${values.spawn ? ` (started with: ${values.spawn})` : ' (already running)'}` : 'the reference, started by the suite'}${faults ? '' : ', no fault tests'}`);
  let stderr = '';
  let timedOut = false;
  await new Promise<void>((resolve) => {
    const child = spawn(process.execPath, args, { cwd: process.cwd(), env, stdio: ['ignore', values.verbose ? 'inherit' : 'ignore', 'pipe'], detached: true });
    child.stderr?.on('data', (d: Buffer) => {
      if (values.verbose) process.stderr.write(d);
      stderr = (stderr + d.toString()).slice(-6000);
    });
    const kill = (signal: NodeJS.Signals) => {
      try {
        process.kill(-(child.pid ?? 0), signal);
      } catch {
        child.kill(signal);
      }
    };
    // On timeout: SIGTERM first, so the suite can take down the server it started, then SIGKILL.
    const timer = setTimeout(() => {
      timedOut = true;
      kill('SIGTERM');
      setTimeout(() => kill('SIGKILL'), 5000).unref();
    }, timeoutMs);
    process.once('SIGINT', () => kill('SIGTERM'));
    child.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  const json = existsSync(outputFile) ? (JSON.parse(readFileSync(outputFile, 'utf8')) as VitestJson) : null;
  rmSync(out, { recursive: true, force: true });
  const crashed = timedOut ? `the run did not finish within ${timeoutMs / 1000} s` : json ? null : `the suite produced no results:\n${stderr.trim().split('\n').slice(-10).join('\n')}`;
  const report = buildReport(json, { schema: 'milestone-conformance/v1', target: { url, spawn: values.spawn ?? null, faults }, startedAt: startedAt.toISOString(), durationMs: Date.now() - startedAt.getTime(), crashed }, values.t);

  const o = process.stdout;
  let group = '';
  for (const t of report.tests) {
    if (t.group !== group) console.log(`\n${paint('bold', (group = t.group), o)}`);
    const mark = t.status === 'passed' ? paint('green', 'pass', o) : t.status === 'failed' ? paint('red', 'FAIL', o) : paint('grey', 'skip', o);
    console.log(`  ${mark}  ${t.name}${t.status === 'skipped' ? paint('grey', `  (${t.message.replace(/^skipped: ?/, '') || 'skipped'})`, o) : ''}`);
    if (t.status === 'failed') console.log(paint('red', t.message.split('\n').map((l) => `        ${l}`).join('\n'), o));
  }
  if (report.crashed) console.log(`\n${paint('red', 'The suite could not run completely:', o)} ${report.crashed}`);
  const s = report.summary;
  console.log(`\n${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped (${s.total} tests, ${(report.durationMs / 1000).toFixed(1)} s)`);
  if (values.json) {
    writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`JSON report: ${path.resolve(values.json)}`);
  }
  process.exitCode = report.crashed && s.passed === 0 ? 3 : s.failed > 0 ? 1 : 0;
});
