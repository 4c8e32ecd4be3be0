import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../lib/run-suite.ts';

/**
 * The grading folder: a workbench-shaped folder holding PRISTINE copies of
 * the suites and everything they import (modules/shared, test-support,
 * fixtures, checklist, the vitest config), plus the submission's exercises
 * and nothing else of it. The suites are never the submission's own.
 */

/** Where the grading folder keeps its copy of the reference streaming module (for TTFT). */
export const REFERENCE_MIRROR = '.grader/ref';

export const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Relative paths of every regular file under dir (no symlinks followed), skipping the named folders. */
export function walk(dir: string, skip: (rel: string) => boolean = () => false, rel = ''): string[] {
  const here = path.join(dir, rel);
  if (!existsSync(here)) return [];
  const out: string[] = [];
  for (const name of readdirSync(here).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    if (skip(r)) continue;
    const st = lstatSync(path.join(dir, r));
    if (st.isDirectory()) out.push(...walk(dir, skip, r));
    else if (st.isFile()) out.push(r);
  }
  return out;
}

/** Module folders that have a suite, in the repo. */
export function suiteModules(root = repoRoot): string[] {
  const dir = path.join(root, 'modules');
  return readdirSync(dir).filter((m) => existsSync(path.join(dir, m, `${m}.test.ts`)));
}

/** The pristine files a grading folder needs, relative to the repo root. */
export function pristineFiles(root = repoRoot): string[] {
  const files = ['package.json', 'tsconfig.json', 'vitest.config.ts', 'modules/catalogue.ts'];
  files.push(...walk(path.join(root, 'modules', 'shared')).map((f) => `modules/shared/${f}`));
  for (const m of suiteModules(root)) {
    files.push(...walk(path.join(root, 'modules', m), (r) => r === 'exercises' || r === 'reference').map((f) => `modules/${m}/${f}`));
  }
  for (const dir of ['test-support', 'checklist']) files.push(...walk(path.join(root, dir)).map((f) => `${dir}/${f}`));
  files.push(...walk(path.join(root, 'fixtures'), (r) => r === 'test').map((f) => `fixtures/${f}`));
  return files.filter((f) => existsSync(path.join(root, f)));
}

/** The files that make up the suites proper: a submission must not change these. */
export function suiteFiles(root = repoRoot): string[] {
  return pristineFiles(root).filter((f) => /^modules\/[^/]+\/[^/]+\.(test\.)?ts$/.test(f) || f.startsWith('modules/shared/') || f.startsWith('test-support/') || f === 'vitest.config.ts');
}

export interface PristineSet {
  root: string;
  /** relative path -> sha256 */
  hashes: Map<string, string>;
}

let cached: PristineSet | null = null;

export function pristineSet(root = repoRoot): PristineSet {
  if (cached?.root === root) return cached;
  const hashes = new Map<string, string>();
  for (const f of pristineFiles(root)) hashes.set(f, sha256(path.join(root, f)));
  cached = { root, hashes };
  return cached;
}

export interface CopiedExercises {
  files: string[];
  /** Test files in the exercises: never copied (only the pristine suites run). */
  testFiles: string[];
  symlinks: string[];
  tooLarge: string[];
}

const MAX_FILE_BYTES = 1_000_000;
const TEST_FILE = /\.(test|spec)\.[cm]?[jt]sx?$/;

/** Copy the submission's modules/<m>/exercises/** (regular files only) into the grading folder. */
export function copyExercises(submission: string, gradingDir: string, modules: string[]): CopiedExercises {
  const result: CopiedExercises = { files: [], testFiles: [], symlinks: [], tooLarge: [] };
  for (const m of modules) {
    const from = path.join(submission, 'modules', m, 'exercises');
    if (!existsSync(from) || !lstatSync(from).isDirectory()) continue;
    const visit = (rel: string) => {
      for (const name of readdirSync(path.join(from, rel)).sort()) {
        const r = rel ? `${rel}/${name}` : name;
        const st = lstatSync(path.join(from, r));
        const shown = `modules/${m}/exercises/${r}`;
        if (st.isSymbolicLink()) result.symlinks.push(shown);
        else if (st.isDirectory()) {
          if (name !== 'node_modules' && name !== '.git') visit(r);
        } else if (st.isFile()) {
          if (TEST_FILE.test(name)) result.testFiles.push(shown);
          else if (st.size > MAX_FILE_BYTES) result.tooLarge.push(shown);
          else {
            const to = path.join(gradingDir, 'modules', m, 'exercises', r);
            mkdirSync(path.dirname(to), { recursive: true });
            copyFileSync(path.join(from, r), to);
            result.files.push(shown);
          }
        }
      }
    };
    visit('');
  }
  return result;
}

/** Build a grading folder at gradingDir from the pristine set and the submission's exercises. */
export function buildGradingDir(submission: string, gradingDir: string, modules: string[], pristine = pristineSet()): CopiedExercises {
  mkdirSync(gradingDir, { recursive: true });
  for (const rel of pristine.hashes.keys()) {
    const to = path.join(gradingDir, rel);
    mkdirSync(path.dirname(to), { recursive: true });
    copyFileSync(path.join(pristine.root, rel), to);
  }
  // TTFT compares with the reference streaming module: a mirror kept apart from the module folders,
  // with what the reference imports next to it (the module's given/ code, modules/shared).
  for (const dir of ['modules/streaming', 'modules/shared']) {
    for (const rel of walk(path.join(pristine.root, dir), (r) => r === 'exercises' || TEST_FILE.test(r))) {
      const to = path.join(gradingDir, REFERENCE_MIRROR, dir, rel);
      mkdirSync(path.dirname(to), { recursive: true });
      copyFileSync(path.join(pristine.root, dir, rel), to);
    }
  }
  // node_modules: a real folder of links, so vite can write its caches here while the workbench is read-only.
  const nm = path.join(gradingDir, 'node_modules');
  mkdirSync(nm, { recursive: true });
  for (const name of readdirSync(path.join(pristine.root, 'node_modules'))) {
    if (name.startsWith('.vite') || name === '.cache' || existsSync(path.join(nm, name))) continue;
    symlinkSync(path.join(pristine.root, 'node_modules', name), path.join(nm, name));
  }
  return copyExercises(submission, gradingDir, modules);
}

/** Pristine files that changed in the grading folder (a submission wrote to them); they are restored. */
export function verifyAndRestore(gradingDir: string, pristine = pristineSet()): string[] {
  const changed: string[] = [];
  for (const [rel, hash] of pristine.hashes) {
    const file = path.join(gradingDir, rel);
    if (!existsSync(file) || lstatSync(file).isSymbolicLink() || sha256(file) !== hash) {
      changed.push(rel);
      rmSync(file, { force: true, recursive: true });
      mkdirSync(path.dirname(file), { recursive: true });
      copyFileSync(path.join(pristine.root, rel), file);
    }
  }
  return changed;
}
