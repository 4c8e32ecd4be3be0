/**
 * Exercise "sqlite-store": the SessionStore on SQLite (better-sqlite3).
 *
 * One connection for the store's life, statements prepared once, one
 * IMMEDIATE transaction per write (all messages of a turn or none; another
 * writer waits for the lock instead of interleaving), seq numbers handed out
 * inside that transaction, and a retried write with the same client id
 * answered from the client_writes table instead of stored twice.
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { InvalidArgumentError, SessionExistsError, SessionNotFoundError, StoreError, StoreUnavailableError } from '../given/errors.ts';
import { openDatabase, type OpenDatabaseOptions } from './sqlite-schema.ts';
import { nowIso, totalsOf } from '../given/turns.ts';
import type {
  CreateSessionOptions,
  ListSessionsOptions,
  LoadHistoryOptions,
  NewMessage,
  PreparedWrite,
  Role,
  SaveTurnOptions,
  SessionInfo,
  SessionStore,
  StoredMessage,
  MessageStatus,
} from '../given/types.ts';
import { prepareWrite, validateLastTurns, validateListLimit, validateSessionId, validateSystemPrompt } from './validate.ts';

export interface SqliteStoreOptions extends OpenDatabaseOptions {
  /** A file path, or ':memory:' (gone when the store closes). */
  path: string;
}

interface ConversationRow {
  id: string;
  system_prompt: string | null;
  created_at: string;
  updated_at: string;
  last_seq: number;
  turns: number;
  tokens_in: number;
  tokens_out: number;
}

const SESSION_COLUMNS = 'id, system_prompt, created_at, updated_at, last_seq, turns, tokens_in, tokens_out';

/** The message columns, in the order INSERT binds them. */
const MESSAGE_COLUMNS = 'seq, role, content, created_at, tokens, usage_in, usage_out, status, client_id';

/**
 * Reading many messages fast. On Node 20, better-sqlite3 pays for every value
 * it hands to JavaScript (a call into V8 each, plus an array or object per
 * row), and a 10,000-message history is 90,000 values: most of a load. So a
 * read is two statements on one snapshot: the contents as one plucked column
 * (one value per row), and all the other fields as ONE JSON value that SQLite
 * builds and JSON.parse reads in one go. (The contents stay out of the JSON:
 * escaping and parsing megabytes of text costs more than it saves.)
 *
 * The JSON is column by column, not row by row: [[seqs], [isUser], ...]. A
 * column of small integers parses into one packed array, with no array per
 * message for the collector to make and sweep; role and status come as 1/0
 * (the schema's CHECKs allow two values each), so no string per message for
 * them either. A 10,000-message load takes ~20% less than with one JSON tuple
 * per message. FIELD_COLUMNS fixes the column order; FieldColumns follows it.
 */
const FIELD_COLUMNS = ['seq', "role = 'user'", 'created_at', 'tokens', 'usage_in', 'usage_out', "status = 'complete'", 'client_id'];

/**
 * Messages per pair of reads. V8 puts a string over 128 KiB in its large-object
 * space, and making one costs ~40x more per byte than a smaller string (here,
 * 3.4 ms against 0.08 for 700 KB of text in 129 KB strings or in 120 KB ones).
 * A 10,000-message fields JSON is ~550 KB (~55 bytes a message): read 512
 * messages at a time, its pieces stay at ~28 KB (~130 KB if every message had
 * a 200-character clientId: slower, still right).
 */
const READ_CHUNK = 512;

type FieldColumns = [
  seq: number[],
  isUser: (0 | 1)[],
  createdAt: string[],
  tokens: (number | null)[],
  usageIn: (number | null)[],
  usageOut: (number | null)[],
  isComplete: (0 | 1)[],
  clientId: (string | null)[],
];

function toInfo(r: ConversationRow): SessionInfo {
  return {
    id: r.id,
    systemPrompt: r.system_prompt ?? '',
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    turns: r.turns,
    tokensIn: r.tokens_in,
    tokensOut: r.tokens_out,
  };
}

/** null when `seq` ascends (always, in practice); otherwise the indexes that read it in ascending order. */
function inSeqOrder(seq: readonly number[]): number[] | null {
  for (let i = 1; i < seq.length; i++) {
    if (seq[i] < seq[i - 1]) return seq.map((_, k) => k).sort((x, y) => seq[x] - seq[y]);
  }
  return null;
}

/** Errors that mean "the database cannot serve us right now", not "your request is wrong". */
const UNAVAILABLE_CODES = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY)/;

export class SqliteStore implements SessionStore {
  private closed = false;
  private readonly sql;
  private readonly writeTx: (sessionId: string, w: PreparedWrite) => StoredMessage[];
  private readonly historyTx: (sessionId: string, lastTurns: number | undefined) => StoredMessage[];
  private readonly clearTx: (sessionId: string) => void;

  constructor(private readonly db: Database.Database) {
    // Prepared once, here: compiling SQL on every call is wasted work.
    this.sql = {
      insertSession: db.prepare<[string, string, string, string]>(
        'INSERT INTO conversations (id, system_prompt, created_at, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO NOTHING',
      ),
      getSession: db.prepare<[string], ConversationRow>(`SELECT ${SESSION_COLUMNS} FROM conversations WHERE id = ?`),
      listSessions: db.prepare<[number], ConversationRow>(
        `SELECT ${SESSION_COLUMNS} FROM conversations ORDER BY updated_at DESC, id LIMIT ?`,
      ),
      findWrite: db.prepare<[string, string], { first_seq: number; count: number }>(
        'SELECT first_seq, count FROM client_writes WHERE conversation_id = ? AND client_id = ?',
      ),
      recordWrite: db.prepare<[string, string, number, number]>(
        'INSERT INTO client_writes (conversation_id, client_id, first_seq, count) VALUES (?, ?, ?, ?)',
      ),
      insertMessage: db.prepare<[string, number, Role, string, string, number | null, number | null, number | null, MessageStatus, string | null]>(
        `INSERT INTO messages (conversation_id, ${MESSAGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      bumpSession: db.prepare<[number, string, number, number, number, string]>(
        `UPDATE conversations SET last_seq = ?, updated_at = ?,
           turns = turns + ?, tokens_in = tokens_in + ?, tokens_out = tokens_out + ? WHERE id = ?`,
      ),
      contentsBetween: db
        .prepare<[string, number, number], string>('SELECT content FROM messages WHERE conversation_id = ? AND seq BETWEEN ? AND ? ORDER BY seq')
        .pluck(),
      fieldsBetween: db
        .prepare<[string, number, number], string>(
          `SELECT json_array(${FIELD_COLUMNS.map((c) => `json_group_array(${c})`).join(', ')})
             FROM messages WHERE conversation_id = ? AND seq BETWEEN ? AND ?`,
        )
        .pluck(),
      firstSeqFrom: db
        .prepare<[string, number], number>('SELECT seq FROM messages WHERE conversation_id = ? AND seq >= ? ORDER BY seq LIMIT 1')
        .pluck(),
      nthLastUserSeq: db.prepare<[string, number], { seq: number }>(
        "SELECT seq FROM messages WHERE conversation_id = ? AND role = 'user' ORDER BY seq DESC LIMIT 1 OFFSET ?",
      ),
      clearMessages: db.prepare<[string]>('DELETE FROM messages WHERE conversation_id = ?'),
      clearWrites: db.prepare<[string]>('DELETE FROM client_writes WHERE conversation_id = ?'),
      resetSession: db.prepare<[string, string]>(
        'UPDATE conversations SET turns = 0, tokens_in = 0, tokens_out = 0, updated_at = ? WHERE id = ?',
      ),
      deleteSession: db.prepare<[string]>('DELETE FROM conversations WHERE id = ?'),
    };

    // One IMMEDIATE transaction per write: take the write lock first, so two
    // writers queue (busy_timeout) instead of both reading last_seq.
    const write = db.transaction((sessionId: string, w: PreparedWrite): StoredMessage[] => {
      const session = this.sql.getSession.get(sessionId);
      if (!session) throw new SessionNotFoundError(sessionId);
      if (w.key !== null) {
        const done = this.sql.findWrite.get(sessionId, w.key);
        if (done) {
          return this.messagesBetween(sessionId, done.first_seq, done.first_seq + done.count - 1);
        }
      }
      const now = nowIso();
      const stored = w.messages.map(
        (m, i): StoredMessage => ({
          seq: session.last_seq + 1 + i,
          role: m.role,
          content: m.content,
          createdAt: now,
          tokens: m.tokens,
          usage: m.usage,
          status: m.status,
          clientId: m.clientId,
        }),
      );
      for (const m of stored) {
        this.sql.insertMessage.run(sessionId, m.seq, m.role, m.content, m.createdAt, m.tokens, m.usage?.input ?? null, m.usage?.output ?? null, m.status, m.clientId);
      }
      if (w.key !== null) this.sql.recordWrite.run(sessionId, w.key, stored[0].seq, stored.length);
      const t = totalsOf(stored);
      this.sql.bumpSession.run(stored[stored.length - 1].seq, now, t.turns, t.tokensIn, t.tokensOut, sessionId);
      return stored;
    });
    this.writeTx = (sessionId, w) => write.immediate(sessionId, w);

    // Reads in one (deferred) transaction see one consistent snapshot.
    this.historyTx = db.transaction((sessionId: string, lastTurns: number | undefined): StoredMessage[] => {
      const session = this.sql.getSession.get(sessionId);
      if (!session) throw new SessionNotFoundError(sessionId);
      if (lastTurns === 0) return [];
      const from = lastTurns === undefined ? 0 : (this.sql.nthLastUserSeq.get(sessionId, lastTurns - 1)?.seq ?? 0);
      return this.messagesBetween(sessionId, from, session.last_seq);
    });

    const clear = db.transaction((sessionId: string): void => {
      if (!this.sql.getSession.get(sessionId)) throw new SessionNotFoundError(sessionId);
      this.sql.clearMessages.run(sessionId);
      this.sql.clearWrites.run(sessionId);
      this.sql.resetSession.run(nowIso(), sessionId);
    });
    this.clearTx = (sessionId) => clear.immediate(sessionId);
  }

  /**
   * Messages first..last of a session, in seq order, READ_CHUNK at a time.
   * Call it inside a transaction, so that all its reads see the same rows.
   */
  private messagesBetween(sessionId: string, first: number, last: number): StoredMessage[] {
    const out: StoredMessage[] = [];
    // Start at the first stored message: after clearSession a session's seqs start high,
    // and the chunks from `first` (0 for a whole history) up to there would all be empty.
    for (let from = this.sql.firstSeqFrom.get(sessionId, first) ?? last + 1; from <= last; from += READ_CHUNK) {
      const to = Math.min(last, from + READ_CHUNK - 1);
      const contents = this.sql.contentsBetween.all(sessionId, from, to);
      const [seq, isUser, createdAt, tokens, usageIn, usageOut, isComplete, clientId] = JSON.parse(
        this.sql.fieldsBetween.get(sessionId, from, to) ?? '[[],[],[],[],[],[],[],[]]',
      ) as FieldColumns;
      // SQL does not promise the order in which an aggregate sees its rows (all the columns
      // see them in the same order, one scan). SQLite reads them along the (conversation_id,
      // seq) key, so they come in seq order; make sure of it (cheaper than ORDER BY in SQL)
      // before pairing fields with the contents, which are in seq order, by position.
      const order = inSeqOrder(seq);
      for (let k = 0; k < seq.length; k++) {
        const i = order === null ? k : order[k];
        out.push({
          seq: seq[i],
          role: isUser[i] ? 'user' : 'assistant',
          content: contents[k],
          createdAt: createdAt[i],
          tokens: tokens[i],
          usage: usageIn[i] === null || usageOut[i] === null ? null : { input: usageIn[i], output: usageOut[i] },
          status: isComplete[i] ? 'complete' : 'interrupted',
          clientId: clientId[i],
        });
      }
    }
    return out;
  }

  /** Run one operation: refuse after close, and report "busy/locked/disk" as StoreUnavailableError. */
  private run<T>(fn: () => T): T {
    if (this.closed) throw new StoreError('closed', 'This SQLite store has been closed.');
    try {
      return fn();
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (!(e instanceof StoreError) && typeof code === 'string' && UNAVAILABLE_CODES.test(code)) {
        throw new StoreUnavailableError('sqlite', `SQLite cannot serve the request right now (${code}): ${(e as Error).message}`, { cause: e });
      }
      throw e;
    }
  }

  async createSession(opts: CreateSessionOptions = {}): Promise<SessionInfo> {
    const id = opts.id === undefined ? randomUUID() : validateSessionId(opts.id, 'id');
    const systemPrompt = validateSystemPrompt(opts.systemPrompt);
    return this.run(() => {
      const now = nowIso();
      if (this.sql.insertSession.run(id, systemPrompt, now, now).changes === 0) throw new SessionExistsError(id);
      return { id, systemPrompt, createdAt: now, updatedAt: now, turns: 0, tokensIn: 0, tokensOut: 0 };
    });
  }

  async getSession(id: string): Promise<SessionInfo | null> {
    validateSessionId(id);
    return this.run(() => {
      const row = this.sql.getSession.get(id);
      return row ? toInfo(row) : null;
    });
  }

  async stats(sessionId: string): Promise<SessionInfo> {
    const info = await this.getSession(sessionId);
    if (!info) throw new SessionNotFoundError(sessionId);
    return info;
  }

  async saveTurn(sessionId: string, messages: NewMessage[], opts: SaveTurnOptions = {}): Promise<StoredMessage[]> {
    validateSessionId(sessionId);
    const w = prepareWrite(messages, opts.clientId);
    return this.run(() => this.writeTx(sessionId, w));
  }

  async appendMessage(sessionId: string, msg: NewMessage): Promise<StoredMessage> {
    const [stored] = await this.saveTurn(sessionId, [msg]);
    return stored;
  }

  async loadHistory(sessionId: string, opts: LoadHistoryOptions = {}): Promise<StoredMessage[]> {
    validateSessionId(sessionId);
    const lastTurns = validateLastTurns(opts.lastTurns);
    return this.run(() => this.historyTx(sessionId, lastTurns));
  }

  async listSessions(opts: ListSessionsOptions = {}): Promise<SessionInfo[]> {
    const limit = validateListLimit(opts.limit);
    return this.run(() => this.sql.listSessions.all(limit).map(toInfo));
  }

  async clearSession(id: string): Promise<void> {
    validateSessionId(id);
    this.run(() => this.clearTx(id));
  }

  async deleteSession(id: string): Promise<boolean> {
    validateSessionId(id);
    // Messages and client_writes go with it: ON DELETE CASCADE (foreign_keys is on).
    return this.run(() => this.sql.deleteSession.run(id).changes > 0);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

/** Open (and create or migrate) the database once; the store keeps the connection. */
export async function openSqliteStore(opts: SqliteStoreOptions): Promise<SqliteStore> {
  if (!opts || typeof opts.path !== 'string' || opts.path === '') {
    throw new InvalidArgumentError('openSqliteStore needs { path }: a file path or ":memory:".', 'path');
  }
  return new SqliteStore(openDatabase(opts.path, opts));
}
