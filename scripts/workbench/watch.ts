import { watch, watchFile, unwatchFile, type FSWatcher } from 'node:fs';
import readline from 'node:readline';
import { paint } from '../lib/cli.ts';
import { nextExercise, runExercise, nextHint, allExercises, key, type Located } from './exercises.ts';
import { printExercise, printRun } from './view.ts';
import { loadProgress } from './workspace.ts';

const out = process.stdout;

/**
 * Watch mode: re-run the current exercise's tests whenever its file is saved,
 * move on when it passes. File events are unreliable on some file systems
 * (network drives, some containers and WSL mounts), so --poll checks the
 * file's mtime instead.
 */
export async function watchLoop(start: Located | null, options: { poll: boolean }): Promise<void> {
  let current = start ?? (await nextExercise());
  if (!current) {
    console.log(paint('green', 'Every exercise passes. Nothing to watch.', out));
    return;
  }
  const interactive = Boolean(process.stdin.isTTY);
  let running = false;
  let again = false;
  let stopWatching = () => {};

  const check = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    const x = current!;
    console.log(paint('dim', `\nrunning ${x.exercise.id}...`, out));
    const run = await runExercise(x);
    printRun(x, run);
    running = false;
    if (run.passed) {
      const next = await nextExercise();
      if (!next) {
        console.log(paint('green', '\nEvery exercise passes. Well done: now the labs, `npm run quiz` and the milestone.', out));
        finish();
        return;
      }
      move(next);
    }
    if (again) {
      again = false;
      void check();
    }
  };

  const follow = (x: Located) => {
    stopWatching();
    if (options.poll) {
      watchFile(x.file, { interval: 400 }, (cur, prev) => {
        if (cur.mtimeMs !== prev.mtimeMs) void check();
      });
      stopWatching = () => unwatchFile(x.file);
    } else {
      let timer: NodeJS.Timeout | undefined;
      const w: FSWatcher = watch(x.file, () => {
        clearTimeout(timer);
        timer = setTimeout(() => void check(), 150); // editors write in several steps
      });
      stopWatching = () => w.close();
    }
  };

  const move = (x: Located) => {
    current = x;
    printExercise(x);
    console.log(paint('dim', `watching ${x.exercise.file}${options.poll ? ' (polling)' : ''}: save it to re-run the tests.${interactive ? ' Keys: h hint, r run, n next, l list, q quit' : ''}`, out));
    follow(x);
  };

  let resolveDone = () => {};
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  const finish = () => {
    stopWatching();
    if (interactive) process.stdin.setRawMode(false);
    process.stdin.pause();
    resolveDone();
  };

  if (interactive) {
    readline.emitKeypressEvents(process.stdin);
    process.stdin.setRawMode(true);
    process.stdin.on('keypress', (_s: string, k: { name?: string; ctrl?: boolean }) => {
      if (k.name === 'q' || (k.ctrl && k.name === 'c')) return finish();
      if (k.name === 'r') return void check();
      if (k.name === 'h') {
        const h = nextHint(current!);
        console.log(`\n${paint('yellow', `hint ${h.level}/${h.of}`, out)} ${h.text}`);
      }
      if (k.name === 'l') {
        void allExercises().then((all) => {
          const p = loadProgress();
          for (const x of all) console.log(`  ${p.passed[key(x)] ? paint('green', 'done', out) : x === current ? paint('yellow', ' now', out) : '    '} ${x.module.name}/${x.exercise.id}`);
        });
      }
      if (k.name === 'n') {
        void allExercises().then((all) => {
          const i = all.findIndex((x) => key(x) === key(current!));
          move(all[(i + 1) % all.length]);
        });
      }
    });
  }
  move(current);
  await check();
  await done;
}
