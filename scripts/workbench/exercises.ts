import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { loadCatalogue } from '../../modules/catalogue.ts';
import type { ExerciseMeta, ModuleMeta } from '../../modules/shared/meta.ts';
import { runSuite, repoRoot, type SuiteRun } from '../lib/run-suite.ts';
import { loadProgress, saveProgress, type Progress } from './workspace.ts';

export interface Located {
  module: ModuleMeta;
  exercise: ExerciseMeta;
  /** Absolute path of the learner's file. */
  file: string;
  /** Absolute path of the reference file it mirrors. */
  reference: string;
}

export async function allExercises(): Promise<Located[]> {
  const catalogue = await loadCatalogue();
  return catalogue.flatMap((module) =>
    module.exercises.map((exercise) => ({
      module,
      exercise,
      file: path.join(repoRoot, 'modules', module.name, exercise.file),
      reference: path.join(repoRoot, 'modules', module.name, exercise.file.replace(/^exercises\//, 'reference/')),
    })),
  );
}

/** Find an exercise by "id" or "module/id"; the error lists what exists. */
export async function findExercise(name: string): Promise<Located> {
  const all = await allExercises();
  const [mod, id] = name.includes('/') ? name.split('/') : [null, name];
  const hits = all.filter((x) => x.exercise.id === id && (!mod || x.module.name === mod));
  if (hits.length === 1) return hits[0];
  if (hits.length > 1) throw new Error(`"${name}" is in several modules; say which: ${hits.map((h) => `${h.module.name}/${h.exercise.id}`).join(', ')}`);
  throw new Error(`no exercise "${name}". Run \`npm start -- list\` to see them all.`);
}

/** The first exercise, in course order, that has not passed yet. */
export async function nextExercise(progress: Progress = loadProgress()): Promise<Located | null> {
  return (await allExercises()).find((x) => !progress.passed[key(x)]) ?? null;
}

export const key = (x: Located) => `${x.module.name}/${x.exercise.id}`;

/** Run one exercise's tests against the learner's code, and record a pass. */
export async function runExercise(x: Located): Promise<SuiteRun & { passed: boolean }> {
  const run = await runSuite(x.module.name, { target: 'exercises', exercise: x.exercise.id });
  const mine = run.tests.filter((t) => t.exercise === x.exercise.id);
  const passed = !run.crashed && mine.length > 0 && mine.every((t) => t.status === 'passed');
  const progress = loadProgress();
  if (passed && !progress.passed[key(x)]) {
    progress.passed[key(x)] = new Date().toISOString();
    saveProgress(progress);
  } else if (!passed && progress.passed[key(x)]) {
    delete progress.passed[key(x)];
    saveProgress(progress);
  }
  return { ...run, tests: mine, passed };
}

/** Show the next hint level; the last one repeats once all are seen. */
export function nextHint(x: Located): { level: number; of: number; text: string } {
  const progress = loadProgress();
  const seen = progress.hintsSeen[key(x)] ?? 0;
  const level = Math.min(seen + 1, x.exercise.hints.length);
  progress.hintsSeen[key(x)] = level;
  saveProgress(progress);
  return { level, of: x.exercise.hints.length, text: x.exercise.hints[level - 1] };
}

function git(args: string[]): string {
  return execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Remember which commit the starters came from, the first time the workbench runs on a clean checkout. */
export function recordBaseCommit(): void {
  const progress = loadProgress();
  if (progress.baseCommit) return;
  try {
    const dirty = git(['status', '--porcelain', '--', 'modules']).trim();
    if (!dirty) {
      progress.baseCommit = git(['rev-parse', 'HEAD']).trim();
      saveProgress(progress);
    }
  } catch {
    // not a git checkout: reset will say so when asked
  }
}

/** Put the starter back: the file as it was in the commit the workbench started from. */
export function resetExercise(x: Located): string {
  const progress = loadProgress();
  const base = progress.baseCommit ?? 'HEAD';
  const rel = path.relative(repoRoot, x.file).split(path.sep).join('/');
  let starter: string;
  try {
    starter = git(['show', `${base}:${rel}`]);
  } catch {
    throw new Error(`cannot find the starter of ${rel} in git (${base}). Is this a git checkout of the workbench?`);
  }
  const before = existsSync(x.file) ? readFileSync(x.file, 'utf8') : '';
  writeFileSync(x.file, starter);
  delete progress.passed[key(x)];
  delete progress.hintsSeen[key(x)];
  saveProgress(progress);
  return before === starter ? 'already the starter' : 'restored';
}
