import { closeSync, fdatasyncSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStore, type NewMessage, type SqliteStore } from '../modules/persistence/reference/index.ts';
import { chatCorpus, interleavedTurns, type ChatText } from './corpus.ts';
import { courseSqlite } from './course-patterns.ts';
import { compare, fmtMs, fmtRatio, round, type MeasureOptions } from './measure.ts';
import type { Bench, BenchRow } from './types.ts';

/**
 * SQLite, in a temporary directory on the same disk as the repository:
 *  - save a turn (user + assistant, realistic text) with the store, default
 *    settings (WAL, synchronous NORMAL: a returned save survives a crash of
 *    the process, not a power cut), against the course's pattern (connect,
 *    CREATE TABLE x2, compile, rollback journal, synchronous FULL, close) on
 *    its own file. Also the store with synchronous FULL (a returned save
 *    survives a power cut). One in-place write + fdatasync is timed in the
 *    same rounds: a save that survives a power cut cannot be cheaper than that;
 *  - load a whole 10,000-message history (one session), and its last 10 turns,
 *    with the store's defaults, against the course's load_history on the same
 *    messages.
 */

export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-sqlite-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Messages for saveTurn, with stored token counts (a fixed estimate: counting is not what is measured here). */
export function toNewMessages(texts: readonly ChatText[]): NewMessage[] {
  return texts.map((m) => ({ role: m.role, content: m.content, tokens: Math.ceil(m.content.length / 4) }));
}

/** Write `messages` into a session in the biggest turns the store takes (64 messages): setup, not timed. */
export async function fillSession(store: { saveTurn(id: string, messages: NewMessage[]): Promise<unknown> }, id: string, messages: readonly NewMessage[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 64) await store.saveTurn(id, messages.slice(i, i + 64));
}

/**
 * One 4 KiB write in place plus fdatasync on this disk, as a WAL commit does
 * once the log is reused: the floor for any save that survives a power cut.
 * Returns the probe to time and its cleanup.
 */
export function fsyncProbe(dir: string): { probe: () => void; close: () => void } {
  const fd = openSync(path.join(dir, 'fsync-probe'), 'w');
  const page = Buffer.alloc(4096, 120);
  for (let i = 0; i < 16; i++) writeSync(fd, page, 0, page.length, i * page.length);
  fsyncSync(fd);
  let i = 0;
  return {
    probe: () => {
      writeSync(fd, page, 0, page.length, (i++ % 16) * page.length);
      fdatasyncSync(fd);
    },
    close: () => closeSync(fd),
  };
}

export interface SqliteMeasurement {
  /** The store's defaults (synchronous NORMAL). */
  saveStoreMs: number;
  saveStoreFullMs: number;
  saveCourseMs: number;
  fsyncMs: number;
  historyMessages: number;
  loadMs: number;
  loadP99Ms: number;
  loadLastTurnsMs: number;
  loadCourseMs: number;
  /** The same history written a turn at a time among OTHER_SESSIONS other sessions' turns. */
  loadInterleavedMs: number;
  loadInterleavedP99Ms: number;
  loadCourseInterleavedMs: number;
}

/** How many other sessions write between two turns of the measured one in the interleaved load. */
export const OTHER_SESSIONS = 4;

/**
 * The sessions the loads read: one history written alone, the same written a
 * turn at a time among OTHER_SESSIONS others' (interleavedTurns), in the store
 * and in the course's tables, each checked by loading it back. Only the ids
 * come back: the messages and the checks' copies go out of reach before the
 * loads are timed. A load's result is ~3 MB of young objects, so loads keep
 * the collector busy, and what else the process holds is marked each time:
 * with three loaded copies of the history kept alive, a load's median went
 * from ~8 ms to 15-20 ms in a test harness.
 */
async function fillForLoads(
  store: SqliteStore,
  course: ReturnType<typeof courseSqlite>,
  courseMixed: ReturnType<typeof courseSqlite>,
  messages: number,
  progress: (m: string) => void,
): Promise<{ big: string; mixed: string }> {
  progress(`load a ${messages.toLocaleString('en')}-message history (filling it first)`);
  const history = toNewMessages(chatCorpus(messages, 5));
  const big = await store.createSession({});
  await fillSession(store, big.id, history);
  course.fill(['course-big'], history);
  const loaded = await store.loadHistory(big.id);
  if (loaded.length !== history.length) throw new Error(`loaded ${loaded.length} messages, stored ${history.length}`);
  // The same history as a live server writes it, so the session's rows are spread through the file
  // among the other sessions'; the course's tables get the same writes.
  progress(`and written a turn at a time among ${OTHER_SESSIONS} other sessions' turns (filling them first)`);
  const mixed = await store.createSession({});
  const others = (await Promise.all(Array.from({ length: OTHER_SESSIONS }, () => store.createSession({})))).map((o) => o.id);
  for (const [id, turn] of interleavedTurns([mixed.id, ...others], history)) await store.saveTurn(id, turn);
  courseMixed.fill(['course-mixed', ...others], history);
  const loadedMixed = await store.loadHistory(mixed.id);
  if (loadedMixed.length !== history.length || loadedMixed.some((m, k) => m.content !== history[k].content)) {
    throw new Error(`the interleaved session loaded ${loadedMixed.length} messages, not its own ${history.length} in order`);
  }
  if (courseMixed.loadHistory('course-mixed').length !== history.length) throw new Error("the course's interleaved session lost messages");
  return { big: big.id, mixed: mixed.id };
}

export async function measureSqlite(
  opts: { historyMessages: number; measure?: MeasureOptions },
  progress: (m: string) => void = () => {},
): Promise<SqliteMeasurement> {
  const tmp = tempDir();
  const stores: SqliteStore[] = [];
  try {
    const store = await openSqliteStore({ path: path.join(tmp.dir, 'store.db') });
    const full = await openSqliteStore({ path: path.join(tmp.dir, 'store-full.db'), synchronous: 'full' });
    stores.push(store, full);
    const course = courseSqlite(path.join(tmp.dir, 'course.db'));
    const turns = toNewMessages(chatCorpus(512, 3));
    const [a, b] = [await store.createSession({}), await full.createSession({})];
    let i = 0;
    const nextTurn = (): [NewMessage, NewMessage] => {
      const k = (i++ * 2) % turns.length;
      return [turns[k], turns[k + 1]];
    };

    progress('save a turn: the store (defaults, FULL) vs the course pattern, and one fdatasync');
    const disk = fsyncProbe(tmp.dir);
    const save = await compare(
      {
        store: async () => {
          await store.saveTurn(a.id, nextTurn());
        },
        'store full': async () => {
          await full.saveTurn(b.id, nextTurn());
        },
        course: async () => {
          const [u, r] = nextTurn();
          course.saveTurn('course-session', u.content, r.content, r.tokens ?? 0);
        },
        fdatasync: disk.probe,
      },
      { rounds: 3, time: 400, iterations: 20, progress, ...opts.measure },
    );
    disk.close();
    const fsyncMs = save.fdatasync.median;

    const courseMixed = courseSqlite(path.join(tmp.dir, 'course-mixed.db'));
    const { big, mixed } = await fillForLoads(store, course, courseMixed, opts.historyMessages, progress);
    const load = await compare(
      {
        store: async () => {
          await store.loadHistory(big);
        },
        'store interleaved': async () => {
          await store.loadHistory(mixed);
        },
        'store last 10 turns': async () => {
          await store.loadHistory(big, { lastTurns: 10 });
        },
        course: async () => {
          course.loadHistory('course-big');
        },
        'course interleaved': async () => {
          courseMixed.loadHistory('course-mixed');
        },
      },
      { rounds: 3, time: 400, iterations: 10, progress, ...opts.measure },
    );
    return {
      saveStoreMs: save.store.median,
      saveStoreFullMs: save['store full'].median,
      saveCourseMs: save.course.median,
      fsyncMs,
      historyMessages: opts.historyMessages,
      loadMs: load.store.median,
      loadP99Ms: load.store.p99,
      loadLastTurnsMs: load['store last 10 turns'].median,
      loadCourseMs: load.course.median,
      loadInterleavedMs: load['store interleaved'].median,
      loadInterleavedP99Ms: load['store interleaved'].p99,
      loadCourseInterleavedMs: load['course interleaved'].median,
    };
  } finally {
    for (const s of stores) await s.close();
    tmp.remove();
  }
}

export function sqliteRows(m: SqliteMeasurement): BenchRow[] {
  const ratio = m.saveCourseMs / m.saveStoreMs;
  const ratioFull = m.saveCourseMs / m.saveStoreFullMs;
  const bound = m.saveCourseMs / m.fsyncMs;
  return [
    {
      what: 'SQLite: save a turn (user + assistant), store defaults (WAL, synchronous NORMAL: survives a process crash, not a power cut)',
      baseline: "the course's pattern (connect, CREATE TABLE x2, compile, rollback journal, FULL, close) per call",
      result: `${fmtMs(m.saveStoreMs)} vs ${fmtMs(m.saveCourseMs)}: ${fmtRatio(ratio)} faster`,
      target: '>= 20x faster save',
      met: ratio >= 20,
      data: { storeMedianMs: round(m.saveStoreMs), courseMedianMs: round(m.saveCourseMs), ratio: round(ratio, 3) },
    },
    {
      what: 'SQLite: save a turn, store with synchronous FULL (survives a power cut)',
      baseline: "the course's pattern, same run; one write + fdatasync on this disk",
      result:
        `${fmtMs(m.saveStoreFullMs)} vs ${fmtMs(m.saveCourseMs)}: ${fmtRatio(ratioFull)} faster ` +
        `(a power-safe save costs at least one write + fdatasync, here ${fmtMs(m.fsyncMs)}: at most ${fmtRatio(bound)} for any such store)`,
      target: 'report (durability traded for speed)',
      met: null,
      data: {
        storeFullMedianMs: round(m.saveStoreFullMs),
        courseMedianMs: round(m.saveCourseMs),
        ratio: round(ratioFull, 3),
        fsyncMs: round(m.fsyncMs),
        ratioBoundByFsync: round(bound, 3),
      },
    },
    {
      what: `SQLite: load a ${m.historyMessages.toLocaleString('en')}-message history (one session, whole, written alone), store defaults`,
      baseline: "the course's load_history (connect, CREATE TABLE x2, SELECT, close); the store's last 10 turns",
      result:
        `median ${fmtMs(m.loadMs)} (p99 ${fmtMs(m.loadP99Ms)}); the course's load_history ${fmtMs(m.loadCourseMs)} ` +
        `(it returns 2 fields per message, the store 9); the store's last 10 turns ${fmtMs(m.loadLastTurnsMs)}`,
      target: 'load <= 10 ms',
      met: m.loadMs <= 10,
      data: {
        messages: m.historyMessages,
        loadMedianMs: round(m.loadMs),
        loadP99Ms: round(m.loadP99Ms),
        loadLast10TurnsMs: round(m.loadLastTurnsMs),
        courseLoadMedianMs: round(m.loadCourseMs),
      },
    },
    {
      what:
        `SQLite: load a ${m.historyMessages.toLocaleString('en')}-message history written a turn at a time ` +
        `among ${OTHER_SESSIONS} other sessions' turns (as a live server writes), store defaults`,
      baseline: "the course's load_history on the same interleaved writes; the same history written alone (above)",
      result:
        `median ${fmtMs(m.loadInterleavedMs)} (p99 ${fmtMs(m.loadInterleavedP99Ms)}); the course's load_history ${fmtMs(m.loadCourseInterleavedMs)} ` +
        `(${fmtRatio(m.loadCourseInterleavedMs / m.loadInterleavedMs)} the store's time); written alone ${fmtMs(m.loadMs)}`,
      target: 'load <= 10 ms',
      met: m.loadInterleavedMs <= 10,
      data: {
        messages: m.historyMessages,
        otherSessions: OTHER_SESSIONS,
        loadMedianMs: round(m.loadInterleavedMs),
        loadP99Ms: round(m.loadInterleavedP99Ms),
        courseLoadMedianMs: round(m.loadCourseInterleavedMs),
      },
    },
  ];
}

export const sqliteStore: Bench = {
  id: 'sqlite',
  title: "SQLite store: save a turn and load a 10,000-message history vs the course's pattern",
  note:
    "Files in the OS temp directory (same disk). Save: the store's saveTurn with its defaults (WAL, synchronous NORMAL) and with synchronous FULL, against the course's code ported line for line (connect, CREATE TABLE x2, rollback journal, FULL, close per call), with one in-place write + fdatasync as the floor for a power-safe save. " +
    "Load: loadHistory of one 10,000-message session, its last 10 turns, and the course's load_history; then the same history written as a live server writes it, " +
    `a turn at a time with a turn of each of ${OTHER_SESSIONS} other sessions after each of its own, so its rows are spread among theirs, read by the store and by the course's load_history.`,
  async run(progress) {
    return sqliteRows(await measureSqlite({ historyMessages: 10_000 }, progress));
  },
};
