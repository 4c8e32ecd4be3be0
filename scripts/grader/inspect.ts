import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { LabId } from '../../checklist/evidence.ts';
import { repoRoot } from '../lib/run-suite.ts';
import { pristineSet, sha256, suiteFiles, walk } from './grading-dir.ts';
import type { IntegrityFlag } from './types.ts';

/**
 * What the grader reads from a submission without running it: quiz answers,
 * lab results, the milestone's descriptor, README and git history, and the
 * static integrity checks (.only/.skip, edited suites, reference imports).
 */

export const labFolders: Record<LabId, string> = {
  'lab1-ttft': 'labs/01-ttft',
  'lab2-forgetting': 'labs/02-forgetting',
  'lab3-session-store': 'labs/03-session-store',
};

export interface LabEvidence {
  passed: boolean;
  file: string | null;
  message: string;
}

export interface MilestoneDescriptor {
  /** Shell command that starts the server; $PORT is replaced by the port. */
  start: string;
  /** Folder to run it in, relative to the submission root. Default ".". */
  cwd: string;
  /** Port it listens on (PORT is also set in its environment). */
  port: number;
}

export interface Inspection {
  quiz: Record<string, string> | null;
  quizNote: string;
  hintsSeen: Record<string, number>;
  labs: Record<LabId, LabEvidence>;
  readme: { file: string | null; saysHowToRun: boolean; note: string };
  git: { commits: number; note: string };
  milestone: MilestoneDescriptor | null;
  milestoneNote: string;
  flags: IntegrityFlag[];
}

function readJson(file: string, maxBytes = 2_000_000): unknown {
  if (!existsSync(file) || !lstatSync(file).isFile() || statSync(file).size > maxBytes) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch {
    return null;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function labEvidence(root: string, lab: LabId): LabEvidence {
  const dir = path.join(root, labFolders[lab], 'results');
  const rel = (f: string) => path.relative(root, f);
  if (!existsSync(dir)) return { passed: false, file: null, message: `no results in ${labFolders[lab]}/results/: run the lab (it writes them)` };
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort((a, b) => (a === `${lab}.json` ? -1 : b === `${lab}.json` ? 1 : a.localeCompare(b)));
  let seen: string | null = null;
  for (const f of files) {
    const json = readJson(path.join(dir, f));
    if (!isRecord(json)) continue;
    if (typeof json.schema === 'string' && !json.schema.startsWith(lab)) continue;
    seen ??= rel(path.join(dir, f));
    if (json.passed === true) return { passed: true, file: rel(path.join(dir, f)), message: `${rel(path.join(dir, f))} has passed: true` };
    // Lab 1's results.json has no passed flag yet: its point is shown when streaming's first token came sooner for every provider.
    if (json.passed === undefined && lab === 'lab1-ttft' && Array.isArray(json.comparisons) && json.comparisons.length > 0) {
      const sooner = json.comparisons.every((c: unknown) => isRecord(c) && typeof c.firstTokenSooner === 'number' && c.firstTokenSooner > 1);
      if (sooner) return { passed: true, file: rel(path.join(dir, f)), message: `${rel(path.join(dir, f))}: streaming's first token came sooner for every provider` };
    }
  }
  return seen ? { passed: false, file: seen, message: `${seen} has passed: false: run the lab again and read what it says is missing` } : { passed: false, file: null, message: `no readable results JSON in ${labFolders[lab]}/results/` };
}

function git(root: string): { commits: number; note: string } {
  if (!existsSync(path.join(root, '.git'))) return { commits: 0, note: 'not a git repository (no .git folder)' };
  try {
    const env = { PATH: process.env.PATH, HOME: path.join(root, '.git'), GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_CEILING_DIRECTORIES: path.dirname(root), GIT_TERMINAL_PROMPT: '0' };
    // No hooks, no fsmonitor, no pager: an untrusted .git/config runs nothing.
    const out = execFileSync('git', ['-c', 'core.fsmonitor=false', '-c', 'core.hooksPath=/dev/null', '-c', `safe.directory=${root}`, '--no-pager', '-C', root, 'log', '--format=%h', '-n', '1000'], { encoding: 'utf8', env, timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] });
    const commits = out.split('\n').filter(Boolean).length;
    return { commits, note: commits ? `${commits}${commits === 1000 ? '+' : ''} commit(s)` : 'a git repository without commits' };
  } catch {
    return { commits: 0, note: 'git log failed (no commits yet?)' };
  }
}

function milestone(root: string): { descriptor: MilestoneDescriptor | null; note: string } {
  const json = readJson(path.join(root, 'milestone.json'));
  if (json === undefined) return { descriptor: null, note: 'no milestone.json: the grader does not know how to start the milestone server' };
  if (!isRecord(json) || typeof json.start !== 'string' || !json.start.trim()) return { descriptor: null, note: 'milestone.json needs {"start": "<command>", "port": <number>} (and optionally "cwd")' };
  const port = typeof json.port === 'number' && Number.isInteger(json.port) && json.port > 0 && json.port < 65536 ? json.port : 8000;
  const cwd = typeof json.cwd === 'string' ? json.cwd : '.';
  if (path.isAbsolute(cwd) || path.normalize(cwd).startsWith('..')) return { descriptor: null, note: 'milestone.json: "cwd" must be a folder inside the submission' };
  return { descriptor: { start: json.start.trim(), cwd, port }, note: `milestone.json: ${json.start.trim()}` };
}

function readme(root: string, start: string | undefined): Inspection['readme'] {
  const name = existsSync(root) ? readdirSync(root).find((f) => /^readme(\.md|\.markdown|\.txt)?$/i.test(f)) : undefined;
  if (!name) return { file: null, saysHowToRun: false, note: 'no README at the submission root' };
  const text = readFileSync(path.join(root, name), 'utf8').slice(0, 200_000);
  const commandShown = start !== undefined && text.includes(start.replace(/\$PORT|\$\{PORT\}/g, '').trim().split(/\s+/).slice(0, 3).join(' '));
  const runBlock = /(^|\n)#+[^\n]*(run|start|usage|getting started)[^\n]*\n[\s\S]{0,800}?```/i.test(text);
  const says = commandShown || runBlock;
  return { file: name, saysHowToRun: says, note: says ? `${name} says how to run it${commandShown ? ' (shows the start command)' : ''}` : `${name} does not say how to run the server: add a "Run" section with the command in a code block` };
}

const FOCUS = /\b(describe|it|test|suite|bench)((\.(concurrent|sequential|shuffle|each|for|fails))*)\.(only|skip|todo)\b/;
const REF_IMPORT = /(?:from\s*|import\s*\(\s*|require\s*\(\s*)['"`]([^'"`]*(?:\/reference(?:\/|['"`])|\.grader)[^'"`]*)/;
const CODE = /\.(c|m)?(t|j)sx?$/;

/** .only/.skip/.todo in the submission's files (not in files byte-identical to the workbench's). */
function scanFocus(root: string, files: string[], againstWorkbench: boolean): IntegrityFlag[] {
  const pristine = pristineSet();
  const hits: string[] = [];
  for (const rel of files) {
    if (!CODE.test(rel) || statSync(path.join(root, rel)).size > 1_000_000) continue;
    const hash = sha256(path.join(root, rel));
    // The workbench's own files, unchanged, are not the submission's doing.
    if (againstWorkbench && (pristine.hashes.get(rel) === hash || (existsSync(path.join(repoRoot, rel)) && sha256(path.join(repoRoot, rel)) === hash))) continue;
    const lines = readFileSync(path.join(root, rel), 'utf8').split('\n');
    lines.forEach((line, i) => {
      const m = FOCUS.exec(line);
      if (m) hits.push(`${rel}:${i + 1}: ${m[0]}`);
    });
  }
  return hits.length ? [{ kind: 'focus-or-skip', severity: 'problem', message: `uses ${hits.length} .only/.skip/.todo modifier(s); the grader runs its pristine suites (with .only refused), so these changed nothing`, files: hits.slice(0, 50) }] : [];
}

export interface InspectOptions {
  kind: 'workspace' | 'submission';
  /** Workspace only: where .workbench lives (WORKBENCH_DIR). */
  workbenchDir?: string;
  modules: string[];
}

export function inspect(root: string, options: InspectOptions): Inspection {
  const pristine = pristineSet();
  const wb = options.workbenchDir ?? path.join(root, '.workbench');
  const quizJson = readJson(path.join(wb, 'quiz.json'));
  const quiz = isRecord(quizJson) ? Object.fromEntries(Object.entries(quizJson).filter((e): e is [string, string] => typeof e[1] === 'string')) : null;
  const progress = readJson(path.join(wb, 'progress.json'));
  const hintsSeen = isRecord(progress) && isRecord(progress.hintsSeen) ? Object.fromEntries(Object.entries(progress.hintsSeen).filter((e): e is [string, number] => typeof e[1] === 'number')) : {};
  const ms = milestone(root);
  const flags: IntegrityFlag[] = [];
  const skip = (r: string) => r === 'node_modules' || r === '.git' || r.endsWith('/node_modules') || r === 'grader-out' || r === 'data';
  const exerciseFiles = options.modules.flatMap((m) => walk(path.join(root, 'modules', m, 'exercises'), skip).map((f) => `modules/${m}/exercises/${f}`));
  const suites = suiteFiles();
  let edited: string[];
  if (options.kind === 'workspace') {
    edited = gitChanged(root, suites);
    flags.push(...scanFocus(root, [...exerciseFiles, ...edited], false));
  } else {
    edited = suites.filter((f) => existsSync(path.join(root, f)) && lstatSync(path.join(root, f)).isFile() && sha256(path.join(root, f)) !== pristine.hashes.get(f));
    flags.push(...scanFocus(root, walk(root, skip), true));
  }
  if (edited.length) flags.push({ kind: 'suite-edited', severity: 'warning', message: `${edited.length} suite file(s) differ from the workbench's; the grader used the pristine ones`, files: edited });
  const refImports: string[] = [];
  const identical: string[] = [];
  for (const rel of exerciseFiles) {
    if (!CODE.test(rel)) continue;
    const text = readFileSync(path.join(root, rel), 'utf8');
    const m = REF_IMPORT.exec(text);
    if (m) refImports.push(`${rel}: imports ${m[1]}`);
    const ref = rel.replace('/exercises/', '/reference/');
    if (existsSync(path.join(repoRoot, ref)) && sha256(path.join(repoRoot, ref)) === sha256(path.join(root, rel))) identical.push(rel);
  }
  if (refImports.length) flags.push({ kind: 'imports-reference', severity: 'problem', message: 'exercise code imports the reference implementation; the grading folder does not contain it, so those imports fail', files: refImports });
  if (identical.length && options.kind === 'submission') flags.push({ kind: 'identical-to-reference', severity: 'info', message: `${identical.length} exercise file(s) are byte-identical to the reference solution`, files: identical });
  return {
    quiz,
    quizNote: quiz ? `${Object.keys(quiz).length} answer(s) in ${path.relative(root, path.join(wb, 'quiz.json')) || 'quiz.json'}` : quizJson === null ? 'quiz.json is not valid JSON' : 'no quiz answers (.workbench/quiz.json): run npm run quiz',
    hintsSeen,
    labs: Object.fromEntries((Object.keys(labFolders) as LabId[]).map((lab) => [lab, labEvidence(root, lab)])) as Record<LabId, LabEvidence>,
    readme: readme(root, ms.descriptor?.start),
    git: git(root),
    milestone: ms.descriptor,
    milestoneNote: ms.note,
    flags,
  };
}

/** Workspace: suite files changed since the last commit (git), if git can tell. */
function gitChanged(root: string, files: string[]): string[] {
  if (!existsSync(path.join(root, '.git'))) return [];
  try {
    const out = execFileSync('git', ['-C', root, 'diff', '--name-only', 'HEAD', '--', ...files], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
    return out.split('\n').filter(Boolean);
  } catch {
    return [];
  }
}
