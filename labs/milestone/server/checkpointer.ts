/**
 * SQLite's WAL checkpoints, off the event loop.
 *
 * better-sqlite3 runs every statement on the calling thread, and by default
 * the commit that takes the write-ahead log past 1,000 pages also copies them
 * back into the database file and syncs it. With a thousand streams ending
 * that was one save in ~125 taking 5-20 ms instead of ~0.05, and every open
 * stream waited for it. So the server's own connection checkpoints only as a
 * safety net (SAFETY_NET_PAGES, in case this worker dies), and a worker thread
 * with a connection of its own runs a PASSIVE checkpoint every interval: it
 * never waits for readers or writers, and writers keep appending meanwhile.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** The server connection's own threshold, far above what the worker lets the WAL reach. */
export const SAFETY_NET_PAGES = 10_000;
export const CHECKPOINT_INTERVAL_MS = 500;

// Plain JavaScript, evaluated: the worker needs no TypeScript loader (tsx, vitest) to start.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 0'); // a checkpoint that finds the database busy is simply tried again next time
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (e) {
    parentPort.postMessage({ error: String((e && e.message) || e) });
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  /** Checkpoint once more, close the worker's connection and end the thread. Safe to call twice. */
  close(): Promise<void>;
}

export interface CheckpointerOptions {
  intervalMs?: number;
  /** Where a failure is reported (once: after that the safety net checkpoints). */
  log?: (line: string) => void;
}

/** Checkpoint the SQLite database at `dbPath` (already open and in WAL mode) from a worker thread. */
export function startCheckpointer(dbPath: string, options: CheckpointerOptions = {}): Checkpointer {
  const log = options.log ?? (() => {});
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { path: dbPath, driver: createRequire(import.meta.url).resolve('better-sqlite3'), intervalMs: options.intervalMs ?? CHECKPOINT_INTERVAL_MS },
  });
  worker.unref(); // never what keeps the process alive
  let reported = false;
  const report = (what: string) => {
    if (reported) return;
    reported = true;
    log(`SQLite checkpointer: ${what}; the server's connection checkpoints the WAL itself past ${SAFETY_NET_PAGES.toLocaleString('en')} pages.`);
  };
  worker.on('message', (m: { error?: string }) => report(`a checkpoint failed: ${m.error ?? 'unknown error'}`));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('error', (e) => report(`the worker stopped: ${e.message}`));
  let closing: Promise<void> | null = null;
  return {
    close: () =>
      (closing ??= (async () => {
        worker.postMessage('close');
        await exited;
      })()),
  };
}
