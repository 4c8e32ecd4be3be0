/** npm start — the learner's workbench: progress, the next exercise, watch mode, hints, reset. */
import { readFileSync } from 'node:fs';
import readline from 'node:readline/promises';
import path from 'node:path';
import { parseCommand, runMain, paint, UsageError } from './lib/cli.ts';
import { repoRoot } from './lib/run-suite.ts';
import { allExercises, findExercise, nextExercise, runExercise, nextHint, resetExercise, recordBaseCommit, key } from './workbench/exercises.ts';
import { printStatus, printExercise, printRun } from './workbench/view.ts';
import { watchLoop } from './workbench/watch.ts';
import { loadProgress } from './workbench/workspace.ts';

const out = process.stdout;

async function confirm(question: string, yes: boolean): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY) throw new UsageError('reset needs confirmation: run it in a terminal, or add --yes');
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  const answer = (await rl.question(`${question} [y/N] `)).trim().toLowerCase();
  rl.close();
  return answer === 'y' || answer === 'yes';
}

runMain(async () => {
  const { values, positionals } = parseCommand({
    name: 'workbench',
    summary: 'your progress, the next exercise, and a watch mode that re-runs its tests on save',
    usage: 'npm start [-- <command> [exercise]] [options]',
    options: { poll: { type: 'boolean' }, yes: { type: 'boolean', short: 'y' }, all: { type: 'boolean' } },
    allowPositionals: true,
    help: [
      ['(no command)', 'in a terminal: watch the next exercise; otherwise print your progress'],
      ['status', 'progress per module and against the checklist, and what to do next'],
      ['list', 'every exercise, in order, with its state'],
      ['watch [id]', 're-run the exercise\'s tests on every save; moves on when it passes'],
      ['run [id]', 'run the exercise\'s tests once (default: the next exercise)'],
      ['hint [id]', 'the next hint level for the exercise (run again for more)'],
      ['solution <id>', 'show the reference for an exercise you have passed'],
      ['reset <id> | --all', 'put the starter back (asks first; --yes skips the question)'],
      ['--poll', 'watch by polling the file (for file systems where change events are unreliable)'],
    ],
    examples: ['npm start', 'npm start -- hint sse-decode', 'npm start -- watch --poll', 'npm start -- reset --all --yes'],
  });
  recordBaseCommit();
  const [command = process.stdin.isTTY && process.stdout.isTTY ? 'watch' : 'status', name] = positionals;
  const target = async () => (name ? findExercise(name) : nextExercise());

  switch (command) {
    case 'status':
      await printStatus(loadProgress());
      return;
    case 'list': {
      const progress = loadProgress();
      let module = '';
      for (const x of await allExercises()) {
        if (x.module.name !== module) console.log(paint('bold', `\n${(module = x.module.name)}`, out));
        const passed = progress.passed[key(x)];
        console.log(`  ${passed ? paint('green', 'done', out) : '    '} ${x.exercise.id.padEnd(26)} ${x.exercise.title}`);
      }
      return;
    }
    case 'watch':
      await printStatus(loadProgress());
      await watchLoop(name ? await findExercise(name) : null, { poll: Boolean(values.poll) });
      return;
    case 'run': {
      const x = await target();
      if (!x) return void console.log(paint('green', 'Every exercise passes.', out));
      printExercise(x);
      const run = await runExercise(x);
      printRun(x, run);
      if (!run.passed) process.exitCode = 1;
      return;
    }
    case 'hint': {
      const x = await target();
      if (!x) return void console.log('Every exercise passes: no hints needed.');
      const h = nextHint(x);
      console.log(`${paint('yellow', `${x.exercise.id}, hint ${h.level} of ${h.of}`, out)}\n${h.text}`);
      if (h.level < h.of) console.log(paint('dim', `(run it again for the next hint)`, out));
      return;
    }
    case 'solution': {
      if (!name) throw new UsageError('say which exercise: npm start -- solution <id>');
      const x = await findExercise(name);
      if (!loadProgress().passed[key(x)]) {
        throw new Error(`the reference for ${x.exercise.id} is shown once your exercise passes: npm start -- run ${x.exercise.id}`);
      }
      console.log(paint('dim', `// ${path.relative(repoRoot, x.reference)}`, out));
      console.log(readFileSync(x.reference, 'utf8'));
      return;
    }
    case 'reset': {
      const targets = values.all ? await allExercises() : name ? [await findExercise(name)] : [];
      if (targets.length === 0) throw new UsageError('say which exercise to reset (npm start -- reset <id>) or --all');
      const what = values.all ? `all ${targets.length} exercises` : path.relative(repoRoot, targets[0].file);
      if (!(await confirm(`Reset ${what} to the starter? Your changes there will be lost.`, Boolean(values.yes)))) return void console.log('Nothing changed.');
      for (const x of targets) console.log(`${resetExercise(x).padEnd(20)} ${path.relative(repoRoot, x.file)}`);
      return;
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
});
