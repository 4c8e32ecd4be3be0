/**
 * Child process for the persistence suite's crash and concurrency tests. It
 * opens the target's SQLite store (LAB_TARGET decides which, as in the suite)
 * and saves turns, printing "ack <n>" after each save has returned:
 *
 *   node --import tsx durability-child.ts <dbPath> <sessionId> <writer> <from> <count>
 *
 * count 0 means "until killed". Turn n is [user "<writer> u<n>", assistant
 * "<writer> a<n>"] with client id "<writer>-<n>".
 */
import { writeSync } from 'node:fs';
import { loadTarget } from '../shared/target.ts';

const impl = await loadTarget<typeof import('./reference/index.ts')>('persistence');
const [path, sessionId, writer, fromArg, countArg] = process.argv.slice(2);
const from = Number(fromArg);
const count = Number(countArg);

/**
 * Write a line straight into the pipe before going on. Not process.stdout.write: on POSIX a pipe
 * write is asynchronous, and one the pipe cannot take at once (the parent busy, the pipe full) waits
 * in this process and dies with it at SIGKILL, while the turns after it are saved: the test then
 * sees turns it was never told of. A write of under 4 KiB to a pipe is all or nothing; a full pipe
 * (EAGAIN, if the descriptor is non-blocking) is tried again until the parent reads.
 */
function say(line: string): void {
  for (;;) {
    try {
      writeSync(1, `${line}\n`);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
    }
  }
}

const store = await impl.openSqliteStore({ path });
say('ready');
for (let n = from; count === 0 || n < from + count; n++) {
  await store.saveTurn(
    sessionId,
    [
      { role: 'user', content: `${writer} u${n}`, tokens: 4 },
      { role: 'assistant', content: `${writer} a${n}`, tokens: 4, usage: { input: 10, output: 4 } },
    ],
    { clientId: `${writer}-${n}` },
  );
  say(`ack ${n}`); // in the pipe before the next save starts
}
await store.close();
say('done');
