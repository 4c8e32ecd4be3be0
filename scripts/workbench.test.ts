import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, readFileSync, copyFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadCatalogue } from '../modules/catalogue.ts';

/**
 * The workbench, driven as a learner drives it, in a throwaway git copy of
 * this repository (so the real exercises and progress are never touched).
 */
const repo = path.resolve(import.meta.dirname, '..');
let work: string;
const catalogue = await loadCatalogue();
// The first exercise in course order is what a new learner is sent to.
const module = catalogue[0];
const exercise = module.exercises[0];

function wb(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/workbench.ts', ...args], {
    cwd: work,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', WORKBENCH_DIR: path.join(work, '.workbench') },
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'workbench-'));
  for (const entry of ['package.json', 'tsconfig.json', 'vitest.config.ts', 'modules', 'scripts', 'checklist', 'fixtures', 'test-support']) {
    cpSync(path.join(repo, entry), path.join(work, entry), { recursive: true, filter: (src) => !src.includes('/.workbench') });
  }
  symlinkSync(path.join(repo, 'node_modules'), path.join(work, 'node_modules'));
  execFileSync('git', ['init', '-q'], { cwd: work });
  execFileSync('git', ['add', '-A'], { cwd: work });
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'starters'], { cwd: work });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the learner workbench', () => {
  it('without a terminal, prints progress and the next exercise with its lesson', () => {
    const r = wb([]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Next: ${module.name}/${exercise.id}`);
    expect(r.out).toContain(`npm start -- hint ${exercise.id}`);
  });

  it('gives hints in levels, one more each time', () => {
    const first = wb(['hint', exercise.id]);
    expect(first.out).toContain(`hint 1 of ${exercise.hints.length}`);
    expect(first.out).toContain(exercise.hints[0]);
    if (exercise.hints.length > 1) expect(wb(['hint', exercise.id]).out).toContain(exercise.hints[1]);
  });

  it('keeps the reference hidden until the exercise passes', () => {
    const r = wb(['solution', exercise.id]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('shown once your exercise passes');
  });

  it('runs the starter and says it does not pass yet', () => {
    const r = wb(['run', exercise.id]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('not yet');
  }, 120_000);

  it('records a pass, moves on, shows the reference, and resets after confirmation', () => {
    const file = path.join(work, 'modules', module.name, exercise.file);
    copyFileSync(file.replace('/exercises/', '/reference/'), file);
    const run = wb(['run', exercise.id]);
    expect(run.out).toContain(`passed: ${exercise.id}`);
    expect(run.code).toBe(0);
    expect(wb(['status']).out).not.toContain(`Next: ${module.name}/${exercise.id}`);
    expect(wb(['solution', exercise.id]).out).toContain(readFileSync(file, 'utf8').slice(0, 200));
    const refused = wb(['reset', exercise.id]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('--yes');
    expect(wb(['reset', exercise.id, '--yes']).out).toContain('restored');
    expect(readFileSync(file, 'utf8')).toContain('todo(');
    expect(existsSync(path.join(work, '.workbench', 'progress.json'))).toBe(true);
    expect(wb(['status']).out).toContain(`Next: ${module.name}/${exercise.id}`);
  }, 240_000);

  it('rejects unknown commands and exercises with a clear message', () => {
    expect(wb(['fly']).code).toBe(2);
    const r = wb(['hint', 'no-such-exercise']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('npm start -- list');
  });
});
