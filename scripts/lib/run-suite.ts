import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Run one module's suite against a target in a child vitest process and
 * collect per-test results. The workbench, the grader and the starter check
 * all grade through this one function.
 */
export interface TestOutcome {
  /** The exercise id: the suite's top-level describe block. */
  exercise: string;
  name: string;
  status: 'passed' | 'failed' | 'skipped';
  message: string;
  durationMs: number;
}

export interface SuiteRun {
  module: string;
  target: string;
  tests: TestOutcome[];
  /** The suite file failed to load or the run crashed: nothing ran. */
  crashed: string | null;
  timedOut: boolean;
  durationMs: number;
  /** The last lines the child wrote to stderr (for diagnostics). */
  stderrTail?: string;
}

export interface RunSuiteOptions {
  /** Folder holding modules/<name>/<name>.test.ts (the pristine suites). Default: this repo. */
  root?: string;
  /** 'reference' | 'exercises' | absolute path of a submission root. */
  target: string;
  timeoutMs?: number;
  /** Environment for the child (the grader passes a scrubbed one). Default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** Only tests of this exercise (a describe name). */
  exercise?: string;
  /** Vitest config file. Default: <root>/vitest.config.ts when it exists, else this repo's. */
  config?: string;
  /**
   * Wrap the child's command line, e.g. in a sandbox: receives [executable, ...args]
   * and returns the command line to spawn instead. Default: run it as is.
   */
  wrap?: (argv: string[]) => string[];
  /** More vitest command-line arguments (the grader adds --allowOnly=false). */
  vitestArgs?: string[];
  /** Folder for vitest's JSON results (kept). Default: a temporary folder, removed afterwards. */
  outputDir?: string;
}

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');

interface VitestJson {
  testResults?: Array<{
    name: string;
    status: string;
    message?: string;
    assertionResults: Array<{ ancestorTitles: string[]; title: string; status: string; duration?: number | null; failureMessages: string[] }>;
  }>;
}

/** Kill a child started with `detached: true` and everything in its process group. */
export function killTree(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export async function runSuite(moduleName: string, options: RunSuiteOptions): Promise<SuiteRun> {
  const root = options.root ?? repoRoot;
  const suite = path.join(root, 'modules', moduleName, `${moduleName}.test.ts`);
  if (!existsSync(suite)) throw new Error(`no suite at ${suite}`);
  const config = options.config ?? (existsSync(path.join(root, 'vitest.config.ts')) ? path.join(root, 'vitest.config.ts') : path.join(repoRoot, 'vitest.config.ts'));
  let out: string;
  if (options.outputDir) {
    mkdirSync(options.outputDir, { recursive: true });
    out = mkdtempSync(path.join(options.outputDir, `${moduleName}-`));
  } else {
    out = mkdtempSync(path.join(tmpdir(), 'suite-'));
  }
  const outputFile = path.join(out, 'results.json');
  const args = [path.join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs'), 'run', suite, '--root', root, '--config', config, '--reporter=json', `--outputFile=${outputFile}`, ...(options.vitestArgs ?? [])];
  if (options.exercise) args.push('-t', `^${options.exercise.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `);
  const [command, ...commandArgs] = options.wrap ? options.wrap([process.execPath, ...args]) : [process.execPath, ...args];
  const started = performance.now();
  const timeoutMs = options.timeoutMs ?? 120_000;
  let stderr = '';
  let timedOut = false;
  await new Promise<void>((resolve) => {
    const child = spawn(command, commandArgs, {
      cwd: root,
      env: { ...(options.env ?? process.env), LAB_TARGET: options.target, FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true, // its own process group, so a timeout kills every process it started
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-8000);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      killTree(child.pid);
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    child.on('error', (e) => {
      stderr += `\n${e.message}`;
      done();
    });
    child.on('close', done);
  });
  const durationMs = performance.now() - started;
  const run: SuiteRun = { module: moduleName, target: options.target, tests: [], crashed: null, timedOut, durationMs, stderrTail: stderr.trim().split('\n').slice(-12).join('\n') };
  const cleanup = () => {
    if (!options.outputDir) rmSync(out, { recursive: true, force: true });
  };
  // A run killed on timeout may have left a stale or partial file behind: never trust it.
  if (timedOut || !existsSync(outputFile)) {
    run.crashed = timedOut ? `the suite did not finish within ${Math.round(timeoutMs / 1000)} s` : `the suite produced no results. ${stderr.trim().split('\n').slice(-6).join('\n')}`;
    cleanup();
    return run;
  }
  let json: VitestJson;
  try {
    json = JSON.parse(readFileSync(outputFile, 'utf8')) as VitestJson;
  } catch (e) {
    run.crashed = `the suite's results could not be read: ${(e as Error).message}`;
    cleanup();
    return run;
  }
  cleanup();
  // Only the suite asked for: vitest's file argument is a filter, and another file whose path contains it would run too.
  for (const file of (json.testResults ?? []).filter((f) => path.resolve(f.name) === path.resolve(suite))) {
    if (file.assertionResults.length === 0 && file.status === 'failed') run.crashed = (file.message ?? 'the suite failed to load').slice(0, 2000);
    for (const a of file.assertionResults) {
      run.tests.push({
        exercise: a.ancestorTitles[0] ?? '',
        name: [...a.ancestorTitles.slice(1), a.title].join(' > '),
        status: a.status === 'passed' ? 'passed' : a.status === 'failed' ? 'failed' : 'skipped',
        message: (a.failureMessages[0] ?? '').split('\n').slice(0, 6).join('\n'),
        durationMs: a.duration ?? 0,
      });
    }
  }
  return run;
}
