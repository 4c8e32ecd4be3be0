/**
 * Exercise "sqlite-store": the SessionStore on SQLite (better-sqlite3).
 *
 * One connection for the store's life, statements prepared once, one
 * IMMEDIATE transaction per write (all messages of a turn or none; another
 * writer waits for the lock instead of interleaving), seq numbers handed out
 * inside that transaction, and a retried write with the same client id
 * answered from the client_writes table instead of stored twice.
 *
 * The tables are in sqlite-schema.ts (MIGRATIONS, after version 4):
 *   conversations(id, system_prompt, created_at, updated_at, last_seq, turns, tokens_in, tokens_out)
 *   messages(conversation_id, seq, role, created_at, tokens, usage_in, usage_out, status, client_id, content),
 *     keyed and stored in (conversation_id, seq) order
 *   client_writes(conversation_id, client_id, first_seq, count)
 *
 * Run its tests: LAB_TARGET=exercises npx vitest run modules/persistence -t sqlite-store
 */
import type Database from 'better-sqlite3';
import { todo } from '../../shared/not-implemented.ts';
import type { OpenDatabaseOptions } from './sqlite-schema.ts';
import type {
  CreateSessionOptions,
  ListSessionsOptions,
  LoadHistoryOptions,
  NewMessage,
  SaveTurnOptions,
  SessionInfo,
  SessionStore,
  StoredMessage,
} from '../given/types.ts';
// You will want: openDatabase (./sqlite-schema.ts), the validators (./validate.ts),
// nowIso and totalsOf (./turns.ts), the errors (./errors.ts), randomUUID (node:crypto).

export interface SqliteStoreOptions extends OpenDatabaseOptions {
  /** A file path, or ':memory:' (gone when the store closes). */
  path: string;
}

export class SqliteStore implements SessionStore {
  /**
   * Prepare every statement here, once (db.prepare), and build the write
   * transaction once (db.transaction(fn); call it with .immediate(...)).
   */
  constructor(private readonly db: Database.Database) {
    todo('sqlite-store');
  }

  /** Id: opts.id (validated) or randomUUID(). An id already taken: SessionExistsError. */
  async createSession(opts: CreateSessionOptions = {}): Promise<SessionInfo> {
    todo('sqlite-store');
  }

  async getSession(id: string): Promise<SessionInfo | null> {
    todo('sqlite-store');
  }

  async stats(sessionId: string): Promise<SessionInfo> {
    todo('sqlite-store');
  }

  /**
   * Validate everything first (prepareWrite). Then in one IMMEDIATE
   * transaction: the session must exist; a key already in client_writes
   * returns the messages that write stored; otherwise insert the messages
   * with seq last_seq+1, +2, ..., record the key, update the session row
   * (last_seq, updated_at, turns, tokens_in, tokens_out).
   */
  async saveTurn(sessionId: string, messages: NewMessage[], opts: SaveTurnOptions = {}): Promise<StoredMessage[]> {
    todo('sqlite-store');
  }

  async appendMessage(sessionId: string, msg: NewMessage): Promise<StoredMessage> {
    todo('sqlite-store');
  }

  /** lastTurns N: start at the N-th last user message (ORDER BY seq DESC LIMIT 1 OFFSET N-1); fewer turns: everything. */
  async loadHistory(sessionId: string, opts: LoadHistoryOptions = {}): Promise<StoredMessage[]> {
    todo('sqlite-store');
  }

  /** Most recently updated first (ties: by id), at most opts.limit. */
  async listSessions(opts: ListSessionsOptions = {}): Promise<SessionInfo[]> {
    todo('sqlite-store');
  }

  /** Delete the messages and client ids, zero the stats, keep last_seq (a seq is never reused). */
  async clearSession(id: string): Promise<void> {
    todo('sqlite-store');
  }

  async deleteSession(id: string): Promise<boolean> {
    todo('sqlite-store');
  }

  /** Close the connection; later calls fail with StoreError('closed', ...); closing twice is fine. */
  async close(): Promise<void> {
    todo('sqlite-store');
  }
}

/** Open (and create or migrate) the database once; the store keeps the connection. */
export async function openSqliteStore(opts: SqliteStoreOptions): Promise<SqliteStore> {
  todo('sqlite-store');
}
