/**
 * Exercise "sqlite-schema": open the database once, configure it, and bring
 * its schema up to date.
 *
 * The MIGRATIONS list is provided (given/migrations.ts). Version 1 is the course's schema exactly,
 * so a database written by the course's code is upgraded in place, not lost.
 * PRAGMA user_version records how far a database has been migrated.
 */
import Database from 'better-sqlite3';
import { StoreError, StoreUnavailableError } from '../given/errors.ts';
import { MIGRATIONS, SCHEMA_VERSION } from '../given/migrations.ts';

export { MIGRATIONS, SCHEMA_VERSION, type Migration } from '../given/migrations.ts';

export interface MigrationResult {
  from: number;
  to: number;
}

/**
 * Bring the schema up to SCHEMA_VERSION: every pending migration and the new
 * user_version in ONE transaction (all or nothing, even if the process dies
 * half way). Up to date: a no-op. Newer than this code: StoreError
 * 'schema_too_new' (never touch a schema you do not understand). A failing
 * migration: StoreError 'migration_failed', database unchanged.
 */
export function migrate(db: Database.Database): MigrationResult {
  const version = () => Number(db.pragma('user_version', { simple: true }));
  const tooNew = (v: number) =>
    new StoreError('schema_too_new', `The database is at schema version ${v}; this code knows up to ${SCHEMA_VERSION}. Upgrade the code.`);

  const current = version();
  if (current > SCHEMA_VERSION) throw tooNew(current);
  if (current === SCHEMA_VERSION) return { from: current, to: current };

  const run = db.transaction((): MigrationResult => {
    const from = version(); // again, under the write lock: another process may have migrated meanwhile
    if (from > SCHEMA_VERSION) throw tooNew(from);
    for (const m of MIGRATIONS) {
      if (m.version > from) db.exec(m.sql);
    }
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    return { from, to: SCHEMA_VERSION };
  });
  try {
    return run.immediate();
  } catch (e) {
    if (e instanceof StoreError) throw e;
    throw new StoreError('migration_failed', `Migrating the database to version ${SCHEMA_VERSION} failed: ${(e as Error).message}`, { cause: e });
  }
}

export interface OpenDatabaseOptions {
  /**
   * How hard a commit waits for the disk (the database is WAL, where SQLite
   * itself recommends 'normal'):
   * - 'normal' (default): no fsync per commit; the WAL is synced at
   *   checkpoints. A save that returned survives a crash or kill of the
   *   process, and the file is never corrupted, but the last commits may be
   *   lost if the machine loses power or the OS crashes.
   * - 'full': every commit fsyncs the WAL, so a save that returned survives a
   *   power cut too, at the price of a disk flush per save.
   */
  synchronous?: 'full' | 'normal';
  /** How long a writer waits for another's lock before giving up. Default 5000. */
  busyTimeoutMs?: number;
  /**
   * The commit that takes the WAL past this many pages also checkpoints it
   * (copies it back into the database and syncs), on the caller's thread:
   * milliseconds that a server's event loop spends waiting. SQLite's default,
   * 1,000, unless set. Raise it when something else checkpoints, as the
   * milestone server's checkpointer does from a worker thread.
   */
  autoCheckpointPages?: number;
}

/**
 * Open one connection for the life of the store and configure it: wait on
 * locks (busy_timeout), write-ahead log (WAL: readers do not block the writer,
 * a commit is one append), synchronous NORMAL unless FULL is asked for,
 * foreign keys on (SQLite leaves them off). Then migrate. ':memory:' works
 * too (no WAL there).
 */
export function openDatabase(path: string, opts: OpenDatabaseOptions = {}): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(path);
  } catch (e) {
    throw new StoreUnavailableError('sqlite', `Cannot open SQLite database ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${opts.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    if (opts.autoCheckpointPages !== undefined) db.pragma(`wal_autocheckpoint = ${Math.max(0, Math.floor(opts.autoCheckpointPages))}`);
    db.pragma('foreign_keys = ON');
    migrate(db);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}
