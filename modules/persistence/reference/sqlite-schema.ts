/**
 * Exercise "sqlite-schema": open the database once, configure it, and bring
 * its schema up to date.
 *
 * The MIGRATIONS list is provided. Version 1 is the course's schema exactly,
 * so a database written by the course's code is upgraded in place, not lost.
 * PRAGMA user_version records how far a database has been migrated.
 */
import Database from 'better-sqlite3';
import { StoreError, StoreUnavailableError } from '../given/errors.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Provided. Append new versions at the end; never edit one that has shipped. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "the course's tables",
    sql: `
      CREATE TABLE IF NOT EXISTS conversations (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        system_prompt TEXT DEFAULT ''
      );
      CREATE TABLE IF NOT EXISTS messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        conversation_id TEXT NOT NULL REFERENCES conversations(id),
        role TEXT NOT NULL,
        content TEXT NOT NULL,
        created_at TEXT NOT NULL,
        token_count INTEGER
      );`,
  },
  {
    version: 2,
    name: 'per-session seq, status, usage, stats counters',
    sql: `
      -- The course never enabled foreign keys: adopt messages whose conversation row is missing.
      INSERT INTO conversations (id, created_at, updated_at, system_prompt)
        SELECT conversation_id, MIN(created_at), MAX(created_at), ''
        FROM messages WHERE conversation_id NOT IN (SELECT id FROM conversations)
        GROUP BY conversation_id;
      ALTER TABLE conversations ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE conversations ADD COLUMN turns INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE conversations ADD COLUMN tokens_in INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE conversations ADD COLUMN tokens_out INTEGER NOT NULL DEFAULT 0;
      CREATE TABLE messages_v2 (
        conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL CHECK (seq > 0),
        role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
        content TEXT NOT NULL,
        created_at TEXT NOT NULL,
        tokens INTEGER CHECK (tokens IS NULL OR tokens >= 0),
        usage_in INTEGER,
        usage_out INTEGER,
        status TEXT NOT NULL DEFAULT 'complete' CHECK (status IN ('complete', 'interrupted')),
        PRIMARY KEY (conversation_id, seq)
      );
      -- Old rows get seq 1, 2, 3, ... per conversation in insertion order; the course's
      -- placeholder token_count 0 becomes NULL (unknown); times become ISO 8601 UTC.
      INSERT INTO messages_v2 (conversation_id, seq, role, content, created_at, tokens)
        SELECT conversation_id,
               ROW_NUMBER() OVER (PARTITION BY conversation_id ORDER BY id),
               role, content,
               COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', created_at), created_at),
               NULLIF(token_count, 0)
        FROM messages;
      DROP TABLE messages;
      ALTER TABLE messages_v2 RENAME TO messages;
      -- "Where does the N-th last turn start?" reads this small index backwards.
      CREATE INDEX messages_user_turns ON messages (conversation_id, seq) WHERE role = 'user';
      UPDATE conversations SET
        system_prompt = COALESCE(system_prompt, ''),
        created_at = COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', created_at), created_at),
        updated_at = COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', updated_at), updated_at),
        last_seq = COALESCE((SELECT MAX(seq) FROM messages m WHERE m.conversation_id = conversations.id), 0),
        turns = (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = conversations.id AND m.role = 'user');
      CREATE INDEX conversations_recent ON conversations (updated_at DESC, id);`,
  },
  {
    version: 3,
    name: 'idempotent writes (client ids)',
    sql: `
      ALTER TABLE messages ADD COLUMN client_id TEXT;
      -- One row per write that came with a client id: a retry finds it and gets the same messages back.
      CREATE TABLE client_writes (
        conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        client_id TEXT NOT NULL,
        first_seq INTEGER NOT NULL,
        count INTEGER NOT NULL CHECK (count > 0),
        PRIMARY KEY (conversation_id, client_id)
      ) WITHOUT ROWID;`,
  },
];

/** The version a fully migrated database has in PRAGMA user_version. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

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
    db.pragma('foreign_keys = ON');
    migrate(db);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}
