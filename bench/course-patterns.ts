import Database from 'better-sqlite3';
import type { Redis } from 'ioredis';
import { interleavedTurns } from './corpus.ts';

/**
 * The course's storage code, ported line for line to TypeScript: the
 * baselines the persistence module is measured against.
 */

export interface CourseMessage {
  role: string;
  content: string;
}

/**
 * SQLite, as the course writes it (Python's sqlite3 -> better-sqlite3, same
 * SQLite defaults: rollback journal, synchronous FULL): every call opens a
 * connection, runs both CREATE TABLE IF NOT EXISTS, compiles its SQL, commits
 * and closes.
 */
export function courseSqlite(file: string) {
  function getDb(): Database.Database {
    const conn = new Database(file);
    conn.exec(`CREATE TABLE IF NOT EXISTS conversations (
      id TEXT PRIMARY KEY,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      system_prompt TEXT DEFAULT ''
    )`);
    conn.exec(`CREATE TABLE IF NOT EXISTS messages (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      conversation_id TEXT NOT NULL REFERENCES conversations(id),
      role TEXT NOT NULL,
      content TEXT NOT NULL,
      created_at TEXT NOT NULL,
      token_count INTEGER
    )`);
    return conn;
  }

  return {
    saveTurn(convId: string, userMsg: string, assistantMsg: string, tokens = 0): void {
      const now = new Date().toISOString();
      const conn = getDb();
      try {
        // Python's sqlite3 opens a transaction before the first INSERT; commit() ends it.
        conn.transaction(() => {
          conn
            .prepare('INSERT INTO conversations (id, created_at, updated_at) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET updated_at = ?')
            .run(convId, now, now, now);
          const insert = conn.prepare('INSERT INTO messages (conversation_id, role, content, created_at, token_count) VALUES (?, ?, ?, ?, ?)');
          insert.run(convId, 'user', userMsg, now, 0);
          insert.run(convId, 'assistant', assistantMsg, now, tokens);
        })();
      } finally {
        conn.close();
      }
    },

    /**
     * Fill conversations quickly (setup, not the pattern being measured): one connection, one
     * transaction. Each gets the same messages, interleaved as interleavedTurns says.
     */
    fill(convIds: readonly string[], messages: readonly CourseMessage[]): void {
      const conn = getDb();
      try {
        const now = new Date().toISOString();
        conn.transaction(() => {
          const conv = conn.prepare('INSERT INTO conversations (id, created_at, updated_at) VALUES (?, ?, ?) ON CONFLICT(id) DO NOTHING');
          for (const id of convIds) conv.run(id, now, now);
          const insert = conn.prepare('INSERT INTO messages (conversation_id, role, content, created_at, token_count) VALUES (?, ?, ?, ?, ?)');
          for (const [id, turn] of interleavedTurns(convIds, messages)) for (const m of turn) insert.run(id, m.role, m.content, now, 0);
        })();
      } finally {
        conn.close();
      }
    },

    loadHistory(convId: string, lastN = 0): CourseMessage[] {
      const conn = getDb();
      try {
        const rows = conn.prepare('SELECT role, content FROM messages WHERE conversation_id = ? ORDER BY id').all(convId) as CourseMessage[];
        const messages = rows.map((r) => ({ role: r.role, content: r.content }));
        return lastN ? messages.slice(-lastN * 2) : messages;
      } finally {
        conn.close();
      }
    },
  };
}

/**
 * Redis, as the course writes it: one RPUSH per message, then EXPIRE, each
 * awaited (redis-py is synchronous): N + 1 round trips for a turn of N
 * messages. Keys live under the caller's prefix. (Calling the course's save_message_redis once per message, as its
 * server does, is RPUSH + EXPIRE per message: 2N.)
 */
export function courseRedis(client: Redis, options: { prefix: string; ttlSeconds?: number }) {
  const ttlSeconds = options.ttlSeconds ?? 3600;
  const keyOf = (sessionId: string) => `${options.prefix}conv:${sessionId}`;
  return {
    async saveTurn(sessionId: string, messages: readonly CourseMessage[]): Promise<void> {
      const key = keyOf(sessionId);
      for (const m of messages) await client.rpush(key, JSON.stringify({ role: m.role, content: m.content }));
      await client.expire(key, ttlSeconds);
    },
    async loadHistory(sessionId: string, lastN = 0): Promise<CourseMessage[]> {
      const raw = await client.lrange(keyOf(sessionId), lastN ? -lastN * 2 : 0, -1);
      return raw.map((m) => JSON.parse(m) as CourseMessage);
    },
    async clear(sessionId: string): Promise<void> {
      await client.del(keyOf(sessionId));
    },
  };
}
