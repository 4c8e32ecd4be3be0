import { readFileSync, writeFileSync, mkdirSync, existsSync, renameSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../lib/run-suite.ts';

/**
 * The learner's own state, kept in .workbench/ of their workspace (ignored by
 * git): which exercises passed, how many hint levels they have seen, quiz
 * answers, and the commit the starters came from (for reset).
 */
export interface Progress {
  passed: Record<string, string>;
  hintsSeen: Record<string, number>;
  baseCommit?: string;
}

/** WORKBENCH_DIR moves it (tests use a temporary one, so they never touch a learner's progress). */
export const workspaceDir = (root = repoRoot) => process.env.WORKBENCH_DIR ?? path.join(root, '.workbench');

function readJson<T>(file: string, fallback: T): T {
  if (!existsSync(file)) return fallback;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    throw new Error(`${file} is not valid JSON. Fix it or delete it (you will lose the progress it records).`);
  }
}

/** Write via a temporary file and rename, so an interrupted write never leaves half a file. */
function writeJson(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  renameSync(tmp, file);
}

export function loadProgress(root = repoRoot): Progress {
  return readJson<Progress>(path.join(workspaceDir(root), 'progress.json'), { passed: {}, hintsSeen: {} });
}

export function saveProgress(progress: Progress, root = repoRoot): void {
  writeJson(path.join(workspaceDir(root), 'progress.json'), progress);
}

export function loadQuizAnswers(root = repoRoot): Record<string, string> {
  return readJson<Record<string, string>>(path.join(workspaceDir(root), 'quiz.json'), {});
}

export function saveQuizAnswers(answers: Record<string, string>, root = repoRoot): void {
  writeJson(path.join(workspaceDir(root), 'quiz.json'), answers);
}
