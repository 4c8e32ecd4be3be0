import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../lib/run-suite.ts';
import { walk } from './grading-dir.ts';
import type { Inspection } from './inspect.ts';
import { runInSandbox, sandboxEnv, type SandboxRun, type SandboxSpec } from './sandbox.ts';
import type { CheckStatus, MilestoneMetrics } from './types.ts';

/**
 * The milestone item: a README that says how to run the server, a git
 * history, and the black-box conformance suite (labs/milestone/conformance)
 * against the server. The server is started from the submission's
 * milestone.json INSIDE the sandbox, from a copy of the submission, next to
 * the provider simulator on 127.0.0.1:8787 (at the process level, where
 * ports are shared, on free ports: the server must honour $PORT); or it is already running at
 * --milestone-url (then the suite runs outside the sandbox to reach it, and
 * the restart tests are skipped).
 */
export interface MilestoneCheck {
  name: string;
  status: CheckStatus;
  message: string;
  duration: number;
  /** Relative weight inside the milestone item. */
  weight: number;
}

export interface MilestoneArgs {
  root: string;
  inspection: Inspection;
  url?: string;
  spec: SandboxSpec;
  timeoutMs: number;
}

export const conformanceRunner = path.join(repoRoot, 'labs', 'milestone', 'conformance', 'run.ts');
/** The simulator a submission's server can use over HTTP inside the sandbox. */
export const SIM_PORT = 8787;
/** The conformance suite's share of the milestone item: README 1, git 1, conformance 2. */
const CONFORMANCE_WEIGHT = 2;

interface ConformanceJson {
  schema: string;
  crashed: string | null;
  summary: { total: number; passed: number; failed: number; skipped: number };
  tests: Array<{ name: string; status: 'passed' | 'failed' | 'skipped'; message: string; durationMs: number }>;
}

export async function gradeMilestone(a: MilestoneArgs): Promise<{ checks: MilestoneCheck[]; metrics: MilestoneMetrics }> {
  const { inspection } = a;
  const checks: MilestoneCheck[] = [
    { name: 'README says how to run it', status: inspection.readme.saysHowToRun ? 'passed' : 'failed', message: inspection.readme.saysHowToRun ? '' : inspection.readme.note, duration: 0, weight: 1 },
    { name: 'git history', status: inspection.git.commits > 0 ? 'passed' : 'failed', message: inspection.git.commits > 0 ? '' : `${inspection.git.note}: commit your work (git log must show commits)`, duration: 0, weight: 1 },
  ];
  const metrics: MilestoneMetrics = { how: a.url ? 'url' : inspection.milestone ? 'spawn' : 'none', command: inspection.milestone?.start, url: a.url, readme: inspection.readme.saysHowToRun, commits: inspection.git.commits, conformance: null, message: '' };
  const single = (status: CheckStatus, message: string) => {
    checks.push({ name: 'conformance suite', status, message, duration: 0, weight: CONFORMANCE_WEIGHT });
    metrics.message = message;
    return { checks, metrics };
  };
  if (!existsSync(conformanceRunner)) return single('not-graded', 'the conformance suite (labs/milestone/conformance/run.ts) is not in this workbench');
  if (!a.url && !inspection.milestone) return single('failed', inspection.milestoneNote);

  const out = path.join(a.spec.gradingDir, '.grader', 'conformance.json');
  rmSync(out, { force: true });
  const tsx = fileURLToPath(import.meta.resolve('tsx'));
  const limit = a.timeoutMs + 30_000;
  let run: SandboxRun;
  if (a.url) {
    // An external server: the trusted suite runs outside the sandbox to reach it.
    const direct: SandboxSpec = { ...a.spec, caps: { ...a.spec.caps, level: 'process' }, cwd: a.spec.gradingDir };
    run = await runInSandbox(direct, [process.execPath, '--import', tsx, conformanceRunner, '--url', a.url, '--json', out, '--timeout', String(Math.round(a.timeoutMs / 1000))], { PATH: process.env.PATH, HOME: a.spec.gradingDir, NO_COLOR: '1' }, limit);
  } else {
    const d = inspection.milestone!;
    const croot = buildConformanceRoot(a.spec.gradingDir);
    const sub = copySubmission(a.root, path.join(a.spec.gradingDir, '.grader', 'milestone'));
    const cwd = path.join(sub, d.cwd);
    if (!existsSync(cwd)) return single('failed', `milestone.json: cwd "${d.cwd}" does not exist in the submission`);
    // Without a network namespace, ports are shared with the machine (and parallel gradings): take free ones.
    const shared = a.spec.caps.level === 'process';
    const port = shared ? await freePort() : d.port;
    const simPort = shared ? await freePort() : SIM_PORT;
    const sim = [process.execPath, '--import', tsx, path.join(croot, 'scripts', 'provider.ts'), '--port', String(simPort)];
    const spec: SandboxSpec = { ...a.spec, cwd, background: [sim], redis: !shared && a.spec.caps.redisServer !== null };
    const env = sandboxEnvFor(spec, port, simPort);
    const url = `http://127.0.0.1:${port}`;
    const argv = [process.execPath, '--import', tsx, path.join(croot, 'labs', 'milestone', 'conformance', 'run.ts'), '--url', url, '--spawn', d.start, '--json', out, '--timeout', String(Math.round(a.timeoutMs / 1000))];
    run = await runInSandbox(spec, argv, env, limit);
  }
  if (run.timedOut) return single('failed', `the conformance suite did not finish within ${Math.round(limit / 1000)} s (killed)`);
  if (!existsSync(out)) return single('failed', `the conformance suite produced no report: ${run.stderr.trim().split('\n').slice(-4).join(' ')}`);
  let report: ConformanceJson;
  try {
    report = JSON.parse(readFileSync(out, 'utf8')) as ConformanceJson;
    if (!Array.isArray(report.tests)) throw new Error('no tests');
  } catch {
    return single('failed', 'the conformance suite wrote an unreadable report');
  }
  const share = CONFORMANCE_WEIGHT / Math.max(1, report.tests.length);
  for (const t of report.tests) {
    checks.push({ name: `conformance: ${t.name}`, status: t.status === 'skipped' ? 'not-graded' : t.status, message: t.message ?? '', duration: Math.round(t.durationMs ?? 0), weight: share });
  }
  metrics.conformance = { passed: report.summary.passed, failed: report.summary.failed, total: report.summary.total };
  metrics.message = report.crashed ? `the suite could not run completely: ${report.crashed.split('\n')[0]}` : `${report.summary.passed}/${report.summary.total} conformance tests passed`;
  return { checks, metrics };
}


/** The server's environment: the sandbox's, plus where the simulator is and dummy keys. */
function sandboxEnvFor(spec: SandboxSpec, port: number, simPort: number): NodeJS.ProcessEnv {
  const sim = `http://127.0.0.1:${simPort}`;
  return sandboxEnv(spec, { PORT: String(port), SIM_URL: sim, ANTHROPIC_BASE_URL: sim, OPENAI_BASE_URL: `${sim}/v1`, ANTHROPIC_API_KEY: 'sim', OPENAI_API_KEY: 'sim', REDIS_URL: 'redis://127.0.0.1:6379' });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A pristine, writable root for the conformance runner (its vitest writes caches under its root). */
function buildConformanceRoot(gradingDir: string): string {
  const croot = path.join(gradingDir, '.grader', 'conformance-root');
  const files = ['package.json', 'tsconfig.json', 'vitest.config.ts', 'scripts/lib/cli.ts', 'scripts/provider.ts'];
  const dirs = ['checklist', 'labs/milestone/conformance', 'modules/shared', 'modules/context/reference', 'modules/context/given', 'modules/streaming/reference', 'modules/streaming/given', 'fixtures/sim', 'fixtures/anthropic', 'fixtures/openai', 'test-support'];
  for (const d of dirs) for (const f of walk(path.join(repoRoot, d))) files.push(`${d}/${f}`);
  for (const rel of files) {
    if (!existsSync(path.join(repoRoot, rel))) continue;
    mkdirSync(path.dirname(path.join(croot, rel)), { recursive: true });
    copyFileSync(path.join(repoRoot, rel), path.join(croot, rel));
  }
  linkNodeModules(croot);
  return croot;
}

function linkNodeModules(dir: string): void {
  const nm = path.join(dir, 'node_modules');
  if (existsSync(nm)) return;
  mkdirSync(nm, { recursive: true });
  for (const name of readdirSync(path.join(repoRoot, 'node_modules'))) {
    if (!name.startsWith('.vite') && name !== '.cache') symlinkSync(path.join(repoRoot, 'node_modules', name), path.join(nm, name));
  }
}

const SKIP = new Set(['node_modules', '.git', '.venv', 'venv', '__pycache__', 'grader-out', 'data', '.workbench']);
const MAX_COPY_BYTES = 50_000_000;

/** A copy of the submission for its server to run in (it may write its database there); no symlinks, no node_modules. */
function copySubmission(from: string, to: string): string {
  let bytes = 0;
  const visit = (rel: string) => {
    for (const name of readdirSync(path.join(from, rel))) {
      if (SKIP.has(name)) continue;
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(path.join(from, r));
      if (st.isDirectory()) visit(r);
      else if (st.isFile() && (bytes += statSync(path.join(from, r)).size) <= MAX_COPY_BYTES) {
        mkdirSync(path.dirname(path.join(to, r)), { recursive: true });
        copyFileSync(path.join(from, r), path.join(to, r));
      }
    }
  };
  visit('');
  mkdirSync(to, { recursive: true });
  linkNodeModules(to);
  return to;
}
