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
import { loadTarget } from '../shared/target.ts';

const impl = await loadTarget<typeof import('./reference/index.ts')>('persistence');
const [path, sessionId, writer, fromArg, countArg] = process.argv.slice(2);
const from = Number(fromArg);
const count = Number(countArg);

const store = await impl.openSqliteStore({ path });
process.stdout.write('ready\n');
for (let n = from; count === 0 || n < from + count; n++) {
  await store.saveTurn(
    sessionId,
    [
      { role: 'user', content: `${writer} u${n}`, tokens: 4 },
      { role: 'assistant', content: `${writer} a${n}`, tokens: 4, usage: { input: 10, output: 4 } },
    ],
    { clientId: `${writer}-${n}` },
  );
  // A pipe write is synchronous on Linux: the ack is out before the next save starts.
  process.stdout.write(`ack ${n}\n`);
}
await store.close();
process.stdout.write('done\n');
