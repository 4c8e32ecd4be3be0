import { paint } from '../lib/cli.ts';
import type { SuiteRun } from '../lib/run-suite.ts';
import { checklistItems } from '../../checklist/items.ts';
import { allExercises, key, type Located } from './exercises.ts';
import type { Progress } from './workspace.ts';
import path from 'node:path';
import { repoRoot } from '../lib/run-suite.ts';

const out = process.stdout;
const rel = (f: string) => path.relative(process.cwd(), f) || path.relative(repoRoot, f);

export function bar(done: number, total: number, width = 20): string {
  const filled = total ? Math.round((done / total) * width) : 0;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
}

export async function printStatus(progress: Progress): Promise<Located | null> {
  const all = await allExercises();
  console.log(paint('bold', 'Streaming and conversation state: your progress', out));
  for (const name of [...new Set(all.map((x) => x.module.name))]) {
    const mine = all.filter((x) => x.module.name === name);
    const done = mine.filter((x) => progress.passed[key(x)]).length;
    console.log(`  ${name.padEnd(12)} ${bar(done, mine.length)}`);
  }
  const items = checklistItems.filter((item) => all.some((x) => x.exercise.checklist.includes(item.id)));
  const met = items.filter((item) => all.filter((x) => x.exercise.checklist.includes(item.id)).every((x) => progress.passed[key(x)]));
  console.log(`  ${'checklist'.padEnd(12)} ${bar(met.length, checklistItems.length)} items evidenced by exercises (labs, quiz and milestone: npm run grade)`);
  const next = all.find((x) => !progress.passed[key(x)]) ?? null;
  if (!next) {
    console.log(`\n${paint('green', 'Every exercise passes.', out)} Next: the labs, the quiz (npm run quiz) and the milestone.`);
    return null;
  }
  printExercise(next);
  return next;
}

export function printExercise(x: Located): void {
  console.log(`\n${paint('bold', 'Next:', out)} ${x.module.name}/${x.exercise.id}: ${x.exercise.title}`);
  console.log(`  lesson: modules/${x.module.name}/README.md, "${x.exercise.lesson}"`);
  console.log(`  edit:   ${rel(x.file)}`);
  console.log(`  check:  npm start -- run ${x.exercise.id}     hint: npm start -- hint ${x.exercise.id}`);
}

export function printRun(x: Located, run: SuiteRun & { passed: boolean }): void {
  if (run.crashed) {
    console.log(`${paint('red', 'could not run', out)} ${x.exercise.id}: ${run.crashed}`);
    return;
  }
  for (const t of run.tests) {
    const mark = t.status === 'passed' ? paint('green', 'pass', out) : t.status === 'failed' ? paint('red', 'FAIL', out) : paint('yellow', 'skip', out);
    console.log(`  ${mark} ${t.name}`);
    if (t.status === 'failed') console.log(paint('dim', t.message.split('\n').slice(0, 3).map((l) => `       ${l}`).join('\n'), out));
  }
  const passed = run.tests.filter((t) => t.status === 'passed').length;
  console.log(run.passed ? `${paint('green', 'passed', out)}: ${x.exercise.id} (${passed}/${run.tests.length} tests)` : `${paint('red', 'not yet', out)}: ${passed}/${run.tests.length} tests pass. Stuck? npm start -- hint ${x.exercise.id}`);
}
