/**
 * SQLite's WAL checkpoints, off the event loop.
 *
 * better-sqlite3 runs every statement on the calling thread, and by default
 * the commit that takes the write-ahead log past 1,000 pages also copies them
 * back into the database file and syncs it. With a thousand streams ending
 * that was one save in ~125 taking 5-20 ms instead of ~0.05, and every open
 * stream waited for it. So the server's own connection checkpoints only as a
 * safety net (SAFETY_NET_PAGES, in case the worker dies), and the server tells
 * this checkpointer of every turn it saves: every CHECKPOINT_EVERY_TURNS a
 * worker thread, with a connection of its own, runs a PASSIVE checkpoint,
 * which never waits for readers or writers; the server keeps committing.
 *
 * By saved turns, not by the clock: an idle server wakes nothing, and each
 * checkpoint (which syncs the database file) moves about the 1,000 pages
 * SQLite's own would have: the same rhythm, off the loop.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** The server connection's own threshold, far above what the worker lets the log reach. */
export const SAFETY_NET_PAGES = 10_000;
/** ~1,000 pages of log at ~10 a turn: when SQLite itself would have checkpointed. */
export const CHECKPOINT_EVERY_TURNS = 100;

// Plain JavaScript, evaluated: the worker needs no TypeScript loader (tsx, vitest) to start.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 0'); // a checkpoint that finds the database busy is tried again next time
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    return {};
  } catch (e) {
    return { error: String((e && e.message) || e) };
  }
};
parentPort.on('message', (m) => {
  if (m === 'checkpoint') return parentPort.postMessage(checkpoint());
  checkpoint();
  db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  /** A turn was saved: every `everyTurns` of them, checkpoint (unless one is still running). */
  turnSaved(): void;
  /** Checkpoint once more, close the worker's connection and end the thread. Safe to call twice. */
  close(): Promise<void>;
}

export interface CheckpointerOptions {
  everyTurns?: number;
  /** Where a failure is reported (once: after that the safety net checkpoints). */
  log?: (line: string) => void;
}

/** Checkpoint the SQLite database at `dbPath` (already open and in WAL mode) from a worker thread. */
export function startCheckpointer(dbPath: string, options: CheckpointerOptions = {}): Checkpointer {
  const log = options.log ?? (() => {});
  const everyTurns = options.everyTurns ?? CHECKPOINT_EVERY_TURNS;
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path: dbPath, driver: createRequire(import.meta.url).resolve('better-sqlite3') } });
  worker.unref(); // never what keeps the process alive
  let reported = false;
  const report = (what: string) => {
    if (reported) return;
    reported = true;
    log(`SQLite checkpointer: ${what}; the server's connection checkpoints the WAL itself past ${SAFETY_NET_PAGES.toLocaleString('en')} pages.`);
  };
  let saved = 0;
  let running = false;
  let stopped = false;
  worker.on('message', (m: { error?: string }) => {
    running = false;
    if (m.error) report(`a checkpoint failed: ${m.error}`);
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('error', (e) => {
    stopped = true;
    report(`the worker stopped: ${e.message}`);
  });
  let closing: Promise<void> | null = null;
  return {
    turnSaved() {
      if (++saved < everyTurns || running || stopped) return;
      saved = 0;
      running = true;
      worker.postMessage('checkpoint');
    },
    close: () =>
      (closing ??= (async () => {
        stopped = true;
        worker.ref(); // held while it closes: an unref'd worker would let the process exit mid-shutdown
        worker.postMessage('close');
        await exited;
      })()),
  };
}
