/**
 * The schema's history, provided: not an exercise. Both the reference and
 * your sqlite-schema.ts apply these with migrate().
 *
 * Version 1 is the course's schema exactly, so a database written by the
 * course's code is upgraded in place, not lost. PRAGMA user_version records
 * how far a database has been migrated.
 */
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
  {
    version: 4,
    name: "each session's messages stored together, in seq order",
    sql: `
      -- A rowid table keeps rows in insertion order and finds (conversation_id, seq) through a
      -- separate index: a history read walks the index and then looks up every row, and a live
      -- server, writing many sessions turn by turn, scatters each session over the whole file.
      -- WITHOUT ROWID makes the key the table's own order: one range scan, one session's rows
      -- side by side. content goes last, so reading the other fields never follows a long
      -- message onto its overflow pages.
      CREATE TABLE messages_v4 (
        conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL CHECK (seq > 0),
        role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
        created_at TEXT NOT NULL,
        tokens INTEGER CHECK (tokens IS NULL OR tokens >= 0),
        usage_in INTEGER,
        usage_out INTEGER,
        status TEXT NOT NULL DEFAULT 'complete' CHECK (status IN ('complete', 'interrupted')),
        client_id TEXT,
        content TEXT NOT NULL,
        PRIMARY KEY (conversation_id, seq)
      ) WITHOUT ROWID;
      INSERT INTO messages_v4 (conversation_id, seq, role, created_at, tokens, usage_in, usage_out, status, client_id, content)
        SELECT conversation_id, seq, role, created_at, tokens, usage_in, usage_out, status, client_id, content FROM messages ORDER BY conversation_id, seq;
      DROP TABLE messages;
      ALTER TABLE messages_v4 RENAME TO messages;
      CREATE INDEX messages_user_turns ON messages (conversation_id, seq) WHERE role = 'user';`,
  },
];

/** The version a fully migrated database has in PRAGMA user_version. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
