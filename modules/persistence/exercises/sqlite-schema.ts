/**
 * Exercise "sqlite-schema": open the database once, configure it, and bring
 * its schema up to date.
 *
 * The MIGRATIONS list is provided (given/migrations.ts). Version 1 is the course's schema exactly,
 * so a database written by the course's code is upgraded in place, not lost.
 * PRAGMA user_version records how far a database has been migrated.
 *
 * Run its tests: LAB_TARGET=exercises npx vitest run modules/persistence -t sqlite-schema
 */
import type Database from 'better-sqlite3';
import { todo } from '../../shared/not-implemented.ts';
// You will want: import Database from 'better-sqlite3' (a value import, to open files),
// import { StoreError, StoreUnavailableError } from '../given/errors.ts',
// and import { MIGRATIONS, SCHEMA_VERSION } from '../given/migrations.ts' to use them here.

export { MIGRATIONS, SCHEMA_VERSION, type Migration } from '../given/migrations.ts';

export interface MigrationResult {
  from: number;
  to: number;
}

/**
 * Bring the schema up to SCHEMA_VERSION:
 * - read PRAGMA user_version (db.pragma('user_version', { simple: true }));
 * - up to date: return { from, to } without writing anything;
 * - newer than SCHEMA_VERSION: throw StoreError('schema_too_new', ...) and touch nothing;
 * - otherwise run every pending migration's SQL (db.exec) and set the new
 *   user_version, all in ONE transaction (db.transaction(fn).immediate()), so
 *   a crash or a failing statement leaves the old schema intact;
 * - a failing migration: StoreError('migration_failed', ...), database unchanged.
 */
export function migrate(db: Database.Database): MigrationResult {
  todo('sqlite-schema');
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
}

/**
 * Open the one connection the store will keep, configure it, migrate it:
 * busy_timeout, journal_mode = WAL, synchronous (NORMAL, or FULL when asked),
 * foreign_keys = ON, then migrate(db). A file that cannot be opened:
 * StoreUnavailableError('sqlite', ...). If anything after opening fails,
 * close the connection before rethrowing.
 */
export function openDatabase(path: string, opts: OpenDatabaseOptions = {}): Database.Database {
  todo('sqlite-schema');
}
