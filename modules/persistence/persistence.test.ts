/**
 * The persistence suite: one set of tests for whichever implementation
 * LAB_TARGET selects (reference, exercises, a submission). It uses only the
 * module's public interface. Tests are grouped by exercise id; the
 * conformance tests (conformance.ts) run against every backend.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTarget } from '../shared/target.ts';
import { exercise } from '../shared/suite.ts';
import { REDIS_URL, useRedis } from '../../test-support/services.ts';
import { startTcpProxy, unusedPort } from '../../test-support/tcp-proxy.ts';
import { conformance, type Backend, type World } from './conformance.ts';
import type { SessionStore } from './reference/index.ts';
import { childError, dropPrefix, eventually, keysUnder, rejects, seeded, sleep, startWriter, turn, uniquePrefix } from './test-helpers.ts';

const impl = await loadTarget<typeof import('./reference/index.ts')>('persistence');
const redisOk = await useRedis();

const tmp = mkdtempSync(path.join(tmpdir(), 'persistence-suite-'));
let files = 0;
const tmpFile = (name: string) => path.join(tmp, `${++files}-${name}`);

const raw: Redis | null = redisOk ? new Redis(REDIS_URL, { maxRetriesPerRequest: 1 }) : null;
raw?.on('error', () => {});
const prefixesUsed: string[] = [];
function newPrefix(): string {
  const p = uniquePrefix();
  prefixesUsed.push(p);
  return p;
}

afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  if (raw) {
    for (const p of prefixesUsed) await dropPrefix(raw, p);
    await raw.quit();
  }
});

/** Close every store of a world, even if closing one fails. */
function tracker(): { track: (s: SessionStore) => SessionStore; closeAll: () => Promise<void> } {
  const opened: SessionStore[] = [];
  return {
    track: (s) => {
      opened.push(s);
      return s;
    },
    closeAll: async () => {
      await Promise.allSettled(opened.map((s) => s.close()));
    },
  };
}

const sqliteFile: Backend = {
  name: 'SQLite file',
  shared: true,
  world(): World {
    const file = tmpFile('conformance.db');
    const t = tracker();
    return {
      open: async () => t.track(await impl.openSqliteStore({ path: file })),
      dispose: async () => {
        await t.closeAll();
        for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
      },
    };
  },
};

const sqliteMemory: Backend = {
  name: 'SQLite :memory: (through openStore)',
  shared: false,
  world(): World {
    const t = tracker();
    return { open: async () => t.track(await impl.openStore('sqlite', { path: ':memory:' })), dispose: t.closeAll };
  },
};

const redisBackend: Backend = {
  name: 'Redis',
  shared: true,
  world(): World {
    const prefix = newPrefix();
    const t = tracker();
    return {
      open: async () => t.track(await impl.openRedisStore({ prefix, ttlSeconds: 120 })),
      dispose: async () => {
        await t.closeAll();
        if (raw) await dropPrefix(raw, prefix);
      },
    };
  },
};

const tieredBackend: Backend = {
  name: 'tiered (Redis cache + SQLite archive, through openStore)',
  shared: true,
  world(): World {
    const prefix = newPrefix();
    const file = tmpFile('tiered.db');
    const t = tracker();
    return {
      open: async () => t.track(await impl.openStore('tiered', { sqlite: { path: file }, redis: { prefix, ttlSeconds: 120 } })),
      dispose: async () => {
        await t.closeAll();
        if (raw) await dropPrefix(raw, prefix);
      },
    };
  },
};

/** Where Redis really is, for a proxy in front of it. */
function redisTarget(): { host: string; port: number } {
  const u = new URL(REDIS_URL);
  return { host: u.hostname, port: Number(u.port || 6379) };
}

// ====================================================================== validate-input

exercise('validate-input', () => {
  it('fills in the defaults of a valid message and drops unknown fields', () => {
    const msg = impl.validateNewMessage({ role: 'user', content: 'hi', extra: 'ignored' });
    expect(msg).toEqual({ role: 'user', content: 'hi', tokens: null, usage: null, status: 'complete', clientId: null });
    const full = impl.validateNewMessage({ role: 'assistant', content: 'yo', tokens: 3, usage: { input: 9, output: 3 }, status: 'interrupted', clientId: 'c-1' });
    expect(full).toEqual({ role: 'assistant', content: 'yo', tokens: 3, usage: { input: 9, output: 3 }, status: 'interrupted', clientId: 'c-1' });
  });

  it('refuses bad messages with InvalidMessageError naming the field', () => {
    const cases: [unknown, string][] = [
      [{ role: 'system', content: 'x' }, 'message.role'],
      [{ role: 'tool', content: 'x' }, 'message.role'],
      [{ content: 'x' }, 'message.role'],
      [{ role: 'user', content: '' }, 'message.content'],
      [{ role: 'user', content: '  \n ' }, 'message.content'],
      [{ role: 'user', content: ['parts'] }, 'message.content'],
      [{ role: 'user', content: 'x', tokens: -2 }, 'message.tokens'],
      [{ role: 'user', content: 'x', tokens: '3' }, 'message.tokens'],
      [{ role: 'assistant', content: 'x', usage: { input: 1, output: -1 } }, 'message.usage'],
      [{ role: 'user', content: 'x', usage: { input: 1, output: 1 } }, 'message.usage'],
      [{ role: 'assistant', content: 'x', status: 'partial' }, 'message.status'],
      [{ role: 'user', content: 'x', clientId: 'x'.repeat(201) }, 'message.clientId'],
      [null, 'message'],
      ['user: hi', 'message'],
    ];
    for (const [input, field] of cases) {
      let caught: unknown;
      try {
        impl.validateNewMessage(input);
      } catch (e) {
        caught = e;
      }
      if (!(caught instanceof impl.InvalidMessageError)) throw caught ?? new Error(`accepted ${JSON.stringify(input)}`);
      expect(caught.field, JSON.stringify(input)).toBe(field);
      expect(caught.code).toBe('invalid_message');
    }
  });

  it('limits content to MAX_CONTENT_BYTES bytes of UTF-8', () => {
    const limit = impl.MAX_CONTENT_BYTES;
    expect(impl.validateNewMessage({ role: 'user', content: 'a'.repeat(limit) }).content).toHaveLength(limit);
    expect(() => impl.validateNewMessage({ role: 'user', content: 'a'.repeat(limit + 1) })).toThrow(impl.InvalidMessageError);
    const wide = '€'.repeat(Math.ceil(limit / 3) + 1); // 3 bytes each
    let caught: unknown;
    try {
      impl.validateNewMessage({ role: 'user', content: wide });
    } catch (e) {
      caught = e;
    }
    if (!(caught instanceof impl.InvalidMessageError)) throw caught ?? new Error('accepted content over the byte limit');
  });

  it('checks session ids, system prompts and options', () => {
    expect(impl.validateSessionId('0b5f5a8e-1c2d-4e3f-8a9b-0c1d2e3f4a5b')).toBe('0b5f5a8e-1c2d-4e3f-8a9b-0c1d2e3f4a5b');
    expect(impl.validateSessionId('abc_DEF-123')).toBe('abc_DEF-123');
    for (const bad of ['', ' ', 'a b', 'a/b', 'a:b', 'é', 'x'.repeat(129), 42, null]) {
      expect(() => impl.validateSessionId(bad), String(bad)).toThrow(impl.InvalidArgumentError);
    }
    expect(impl.validateSystemPrompt(undefined)).toBe('');
    expect(impl.validateSystemPrompt('Be brief.')).toBe('Be brief.');
    expect(() => impl.validateSystemPrompt(7)).toThrow(impl.InvalidArgumentError);
    expect(() => impl.validateSystemPrompt('p'.repeat(impl.MAX_SYSTEM_PROMPT_BYTES + 1))).toThrow(impl.InvalidArgumentError);
    expect(impl.validateLastTurns(undefined)).toBeUndefined();
    expect(impl.validateLastTurns(0)).toBe(0);
    expect(impl.validateLastTurns(10)).toBe(10);
    for (const bad of [-1, 1.5, '3', Number.NaN]) expect(() => impl.validateLastTurns(bad)).toThrow(impl.InvalidArgumentError);
    expect(impl.validateListLimit(undefined)).toBe(impl.DEFAULT_LIST_LIMIT);
    expect(impl.validateListLimit(5)).toBe(5);
    for (const bad of [0, -3, impl.MAX_LIST_LIMIT + 1, 2.5]) expect(() => impl.validateListLimit(bad)).toThrow(impl.InvalidArgumentError);
  });

  it('prepares a write: all messages valid, and one idempotency key carried by the first message', () => {
    const w = impl.prepareWrite(turn(1), 'turn-1');
    expect(w.key).toBe('turn-1');
    expect(w.messages.map((m) => m.clientId)).toEqual(['turn-1', null]);
    const own = impl.prepareWrite([{ role: 'user', content: 'x', clientId: 'msg-9' }, { role: 'assistant', content: 'y' }]);
    expect(own.key).toBe('msg-9');
    expect(impl.prepareWrite(turn(2)).key).toBeNull();
    const both = impl.prepareWrite([{ role: 'user', content: 'x', clientId: 'msg-9' }], 'turn-2');
    expect(both.key).toBe('turn-2');
    expect(both.messages[0].clientId).toBe('msg-9');
    expect(() => impl.prepareWrite([])).toThrow(impl.InvalidMessageError);
    expect(() => impl.prepareWrite('hello')).toThrow(impl.InvalidMessageError);
    expect(() => impl.prepareWrite(Array.from({ length: impl.MAX_MESSAGES_PER_TURN + 1 }, () => ({ role: 'user', content: 'x' })))).toThrow(
      impl.InvalidMessageError,
    );
    let caught: unknown;
    try {
      impl.prepareWrite([{ role: 'user', content: 'ok' }, { role: 'assistant', content: '' }]);
    } catch (e) {
      caught = e;
    }
    if (!(caught instanceof impl.InvalidMessageError)) throw caught ?? new Error('accepted an empty message');
    expect(caught.field).toBe('messages[1].content');
  });
});

// ====================================================================== sqlite-schema

/** A database exactly as the course's code leaves it (its CREATE TABLEs, Python isoformat times). */
function writeCourseDatabase(file: string, extraRows: [string, string, string][] = []): void {
  const db = new Database(file);
  db.pragma('foreign_keys = OFF'); // Python's sqlite3 default (better-sqlite3 turns them on)
  db.exec(`
    CREATE TABLE IF NOT EXISTS conversations (
      id TEXT PRIMARY KEY, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, system_prompt TEXT DEFAULT '');
    CREATE TABLE IF NOT EXISTS messages (
      id INTEGER PRIMARY KEY AUTOINCREMENT, conversation_id TEXT NOT NULL REFERENCES conversations(id),
      role TEXT NOT NULL, content TEXT NOT NULL, created_at TEXT NOT NULL, token_count INTEGER);`);
  const conv = db.prepare('INSERT INTO conversations (id, created_at, updated_at, system_prompt) VALUES (?, ?, ?, ?)');
  conv.run('course-1', '2024-05-01T10:00:00.123456', '2024-05-01T10:05:00.654321', 'You are a helpful assistant.');
  conv.run('course-2', '2024-05-02T08:00:00.000001', '2024-05-02T08:00:00.000001', '');
  const msg = db.prepare('INSERT INTO messages (conversation_id, role, content, created_at, token_count) VALUES (?, ?, ?, ?, ?)');
  msg.run('course-1', 'user', 'My name is Ajay', '2024-05-01T10:00:00.123456', 0);
  msg.run('course-2', 'user', 'Hello?', '2024-05-02T08:00:00.000001', 0);
  msg.run('course-1', 'assistant', 'Nice to meet you, Ajay.', '2024-05-01T10:00:01.500000', 42);
  msg.run('course-2', 'assistant', 'Hi!', '2024-05-02T08:00:01.000001', 3);
  msg.run('course-1', 'user', 'What is my name?', '2024-05-01T10:05:00.000000', 0);
  msg.run('course-1', 'assistant', 'Your name is Ajay.', '2024-05-01T10:05:00.654321', 17);
  msg.run('orphan-3', 'user', 'No conversation row for me', '2024-05-03T09:00:00', 0);
  for (const [id, role, content] of extraRows) msg.run(id, role, content, '2024-05-04T00:00:00', 0);
  db.close();
}

exercise('sqlite-schema', () => {
  it('migrates an empty database to SCHEMA_VERSION, and a second run is a no-op', () => {
    const db = new Database(':memory:');
    try {
      expect(impl.migrate(db)).toEqual({ from: 0, to: impl.SCHEMA_VERSION });
      expect(db.pragma('user_version', { simple: true })).toBe(impl.SCHEMA_VERSION);
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
      expect(tables).toEqual(expect.arrayContaining(['conversations', 'messages']));
      expect(impl.migrate(db)).toEqual({ from: impl.SCHEMA_VERSION, to: impl.SCHEMA_VERSION });
    } finally {
      db.close();
    }
  });

  it('opens a file with WAL, foreign keys, a busy timeout and the chosen synchronous level', () => {
    const file = tmpFile('pragmas.db');
    const db = impl.openDatabase(file);
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL, the default in WAL
      expect(Number(db.pragma('busy_timeout', { simple: true }))).toBeGreaterThan(0);
      expect(db.pragma('user_version', { simple: true })).toBe(impl.SCHEMA_VERSION);
    } finally {
      db.close();
    }
    const powerSafe = impl.openDatabase(file, { synchronous: 'full' });
    try {
      expect(powerSafe.pragma('synchronous', { simple: true })).toBe(2); // FULL
    } finally {
      powerSafe.close();
    }
  });

  it('a file that cannot be opened: StoreUnavailableError', () => {
    let caught: unknown;
    try {
      impl.openDatabase(path.join(tmp, 'no-such-folder', 'chat.db')).close();
    } catch (e) {
      caught = e;
    }
    if (!(caught instanceof impl.StoreUnavailableError)) throw caught ?? new Error('opened a file in a folder that does not exist');
    expect(caught.backend).toBe('sqlite');
    expect(caught.message).toContain('no-such-folder');
  });

  it("upgrades a database written by the course's code in place: seq per conversation, nothing lost", () => {
    const file = tmpFile('course-schema.db');
    writeCourseDatabase(file);
    const db = impl.openDatabase(file);
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(impl.SCHEMA_VERSION);
      const rows = db.prepare('SELECT conversation_id AS id, seq, role, content FROM messages ORDER BY conversation_id, seq').all();
      expect(rows).toEqual([
        { id: 'course-1', seq: 1, role: 'user', content: 'My name is Ajay' },
        { id: 'course-1', seq: 2, role: 'assistant', content: 'Nice to meet you, Ajay.' },
        { id: 'course-1', seq: 3, role: 'user', content: 'What is my name?' },
        { id: 'course-1', seq: 4, role: 'assistant', content: 'Your name is Ajay.' },
        { id: 'course-2', seq: 1, role: 'user', content: 'Hello?' },
        { id: 'course-2', seq: 2, role: 'assistant', content: 'Hi!' },
        { id: 'orphan-3', seq: 1, role: 'user', content: 'No conversation row for me' },
      ]);
      expect(db.prepare('SELECT id FROM conversations ORDER BY id').pluck().all()).toEqual(['course-1', 'course-2', 'orphan-3']);
      expect(impl.migrate(db)).toEqual({ from: impl.SCHEMA_VERSION, to: impl.SCHEMA_VERSION });
    } finally {
      db.close();
    }
  });

  it("upgrades a version-3 database (messages in insertion order) to one session's messages stored together, every field kept", () => {
    const file = tmpFile('v3.db');
    const old = new Database(file);
    for (const m of impl.MIGRATIONS) if (m.version <= 3) old.exec(m.sql);
    old.pragma('user_version = 3');
    old.exec(`
      INSERT INTO conversations (id, created_at, updated_at, system_prompt, last_seq, turns) VALUES
        ('a', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:03.000Z', 'Be brief.', 2, 1),
        ('b', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:03.000Z', '', 2, 1);
      INSERT INTO messages (conversation_id, seq, role, content, created_at, tokens, usage_in, usage_out, status, client_id) VALUES
        ('a', 1, 'user', 'Hi', '2026-01-01T00:00:01.000Z', 5, NULL, NULL, 'complete', 'turn-1'),
        ('b', 1, 'user', 'Hello', '2026-01-01T00:00:01.000Z', 6, NULL, NULL, 'complete', NULL),
        ('a', 2, 'assistant', 'Hello!', '2026-01-01T00:00:02.000Z', 7, 12, 3, 'interrupted', 'turn-1'),
        ('b', 2, 'assistant', 'Hi.', '2026-01-01T00:00:02.000Z', NULL, NULL, NULL, 'complete', NULL);
      INSERT INTO client_writes (conversation_id, client_id, first_seq, count) VALUES ('a', 'turn-1', 1, 2);`);
    const before = old.prepare('SELECT * FROM messages ORDER BY conversation_id, seq').all();
    old.close();

    const db = impl.openDatabase(file);
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(impl.SCHEMA_VERSION);
      expect(db.prepare('SELECT * FROM messages ORDER BY conversation_id, seq').all()).toEqual(before);
      // Clustered on its key: no rowid, and a history is read in key order without a sort.
      expect(() => db.prepare('SELECT rowid FROM messages')).toThrow(/no such column/);
      const plan = db.prepare("EXPLAIN QUERY PLAN SELECT content FROM messages WHERE conversation_id = 'a' ORDER BY seq").all() as { detail: string }[];
      expect(plan.map((p) => p.detail).join('\n')).not.toMatch(/TEMP B-TREE/);
      const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages'").pluck().all();
      expect(indexes).toContain('messages_user_turns');
      db.prepare("DELETE FROM conversations WHERE id = 'a'").run(); // ON DELETE CASCADE survived the rebuild
      expect(db.prepare('SELECT conversation_id FROM messages').pluck().all()).toEqual(['b', 'b']);
    } finally {
      db.close();
    }
  });

  it('a migration that fails changes nothing and says so (StoreError "migration_failed")', async () => {
    const file = tmpFile('course-bad.db');
    writeCourseDatabase(file, [['course-1', 'system', 'roles the new schema refuses']]);
    const err = await rejects(impl.StoreError, () => impl.openDatabase(file));
    expect(err.code).toBe('migration_failed');
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(0);
      const columns = db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('messages');
      expect(columns).toContain('token_count');
      expect(db.prepare('SELECT COUNT(*) FROM messages').pluck().get()).toBe(8);
    } finally {
      db.close();
    }
  });

  it('refuses a database from a newer version of the code (StoreError "schema_too_new")', async () => {
    const file = tmpFile('future.db');
    const future = new Database(file);
    future.pragma(`user_version = ${impl.SCHEMA_VERSION + 1}`);
    const err = (() => {
      try {
        impl.migrate(future);
      } catch (e) {
        return e;
      }
      return new Error('migrate accepted a newer schema');
    })();
    future.close();
    if (!(err instanceof impl.StoreError)) throw err;
    expect(err.code).toBe('schema_too_new');
    const err2 = await rejects(impl.StoreError, () => impl.openDatabase(file));
    expect(err2.code).toBe('schema_too_new');
    const check = new Database(file, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(impl.SCHEMA_VERSION + 1);
    check.close();
  });
});

// ====================================================================== sqlite-store

exercise('sqlite-store', () => {
  describe(sqliteFile.name, () => conformance(impl, sqliteFile));
  describe(sqliteMemory.name, () => conformance(impl, sqliteMemory));

  it("reads and continues a database written by the course's code", async () => {
    const file = tmpFile('course.db');
    writeCourseDatabase(file);
    const store = await impl.openSqliteStore({ path: file });
    try {
      const history = await store.loadHistory('course-1');
      expect(history.map((m) => [m.seq, m.role, m.content])).toEqual([
        [1, 'user', 'My name is Ajay'],
        [2, 'assistant', 'Nice to meet you, Ajay.'],
        [3, 'user', 'What is my name?'],
        [4, 'assistant', 'Your name is Ajay.'],
      ]);
      expect(history[0].createdAt).toBe('2024-05-01T10:00:00.123Z');
      expect(history.map((m) => m.tokens)).toEqual([null, 42, null, 17]);
      expect(history.every((m) => m.status === 'complete' && m.usage === null && m.clientId === null)).toBe(true);
      expect(await store.stats('course-1')).toMatchObject({ systemPrompt: 'You are a helpful assistant.', turns: 2, createdAt: '2024-05-01T10:00:00.123Z' });
      expect((await store.loadHistory('course-2')).map((m) => m.seq)).toEqual([1, 2]);
      expect((await store.loadHistory('orphan-3')).map((m) => m.content)).toEqual(['No conversation row for me']);
      const [next] = await store.saveTurn('course-1', turn(3));
      expect(next.seq).toBe(5);
    } finally {
      await store.close();
    }
    const check = new Database(file, { readonly: true });
    try {
      expect(check.pragma('user_version', { simple: true })).toBe(impl.SCHEMA_VERSION);
    } finally {
      check.close();
    }
  });

  it('a writer is never ahead of its acks, even when the test reads them late', async () => {
    // The harness's own guarantee, which the SIGKILL test rests on: a slow reader fills the pipe,
    // and the writer must wait for it rather than save turns whose acks would die with it.
    const file = tmpFile('late-reader.db');
    const setup = await impl.openSqliteStore({ path: file });
    await setup.createSession({ id: 'late' });
    await setup.close();
    const child = startWriter(file, 'late', 'late', 1, 0);
    await child.ready;
    child.pauseReading();
    await sleep(1500); // far more acks than a pipe holds
    child.kill();
    child.resumeReading();
    await child.exited;
    const store = await impl.openSqliteStore({ path: file });
    try {
      const turns = (await store.loadHistory('late')).length / 2;
      expect(child.acks.length).toBeGreaterThan(1000); // it wrote on well past the pause (with the old writer, ~2,000 acks arrived and ~16,000 turns were saved)
      expect(turns).toBeLessThanOrEqual(Math.max(...child.acks) + 1);
    } finally {
      await store.close();
    }
  });

  it('every acknowledged turn survives SIGKILL at random moments, in order', async () => {
    const file = tmpFile('crash.db');
    const setup = await impl.openSqliteStore({ path: file });
    const ids = ['crash-a', 'crash-b', 'crash-c']; // three writers at once, on one file
    for (const id of ids) await setup.createSession({ id });
    await setup.close();

    const seed = Date.now() % 100_000;
    const random = seeded(seed);
    const next: Record<string, number> = Object.fromEntries(ids.map((id) => [id, 1]));
    let kills = 0;
    let acked = 0;
    const rounds = 4;
    for (let round = 0; round < rounds; round++) {
      const acks: Record<string, number> = {};
      const seen: Record<string, string> = {}; // what each writer's output showed, for a failure's message
      await Promise.all(
        ids.map(async (id) => {
          const child = startWriter(file, id, id, next[id], 0);
          // Round 0 may kill during start-up (opening, migrating); later rounds mid-save.
          if (round === 0) await sleep(random() * 400);
          else await Promise.race([child.ready.then(() => sleep(random() * 60)), child.exited]);
          child.kill();
          const exit = await child.exited;
          if (exit.signal !== 'SIGKILL') throw new Error(`writer stopped by itself (code ${exit.code}): ${childError(child.stderr())}`);
          kills++;
          acks[id] = child.acks.length ? Math.max(...child.acks) : next[id] - 1;
          seen[id] = `writer started at turn ${next[id]}, ${child.acks.length} acks seen (${child.acks[0] ?? '-'}..${child.acks.at(-1) ?? '-'}), stderr: ${childError(child.stderr()) || 'empty'}`;
        }),
      );
      const store = await impl.openSqliteStore({ path: file });
      try {
        for (const id of ids) {
          const history = await store.loadHistory(id);
          const turns = history.length / 2;
          const context = `seed ${seed}, round ${round}, session ${id}; ${seen[id]}`;
          expect(history.length % 2, context).toBe(0);
          expect(turns, context).toBeGreaterThanOrEqual(acks[id]);
          expect(turns, context).toBeLessThanOrEqual(acks[id] + 1); // at most the one in flight when killed
          history.forEach((m, i) => {
            const n = Math.floor(i / 2) + 1;
            expect(m.seq, context).toBe(i + 1);
            expect(m.content, context).toBe(`${id} ${i % 2 === 0 ? 'u' : 'a'}${n}`);
          });
          acked += acks[id] - (next[id] - 1);
          next[id] = turns + 1;
        }
      } finally {
        await store.close();
      }
    }
    expect(kills).toBe(rounds * ids.length);
    expect(acked).toBeGreaterThan(0);
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });

  it('two processes writing one session never interleave a turn', async () => {
    const file = tmpFile('two-writers.db');
    const setup = await impl.openSqliteStore({ path: file });
    await setup.createSession({ id: 'shared' });
    await setup.close();
    const writers = ['w1', 'w2'].map((w) => startWriter(file, 'shared', w, 1, 30));
    for (const w of writers) {
      const exit = await w.exited;
      if (exit.code !== 0) throw new Error(`writer failed (code ${exit.code}): ${childError(w.stderr())}`);
    }
    const store = await impl.openSqliteStore({ path: file });
    try {
      const history = await store.loadHistory('shared');
      expect(history).toHaveLength(120);
      history.forEach((m, i) => expect(m.seq).toBe(i + 1));
      for (let i = 0; i < history.length; i += 2) {
        const [who, u] = history[i].content.split(' ');
        expect(history[i].role).toBe('user');
        expect(history[i + 1].content).toBe(`${who} a${u.slice(1)}`);
      }
      for (const w of ['w1', 'w2']) {
        const mine = history.filter((m) => m.role === 'user' && m.content.startsWith(`${w} `)).map((m) => Number(m.content.split(' u')[1]));
        expect(mine).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      }
      expect((await store.stats('shared')).turns).toBe(60);
    } finally {
      await store.close();
    }
  });
});

// ====================================================================== redis-connection

exercise('redis-connection', () => {
  describe.skipIf(!redisOk)('connecting to Redis', () => {
    it('cannot connect: StoreUnavailableError that names the address, and nothing keeps retrying', async () => {
      const port = await unusedPort();
      const err = await rejects(impl.StoreUnavailableError, () => impl.connectRedis({ url: `redis://127.0.0.1:${port}` }));
      expect(err.code).toBe('unavailable');
      expect(err.backend).toBe('redis');
      expect(err.message).toContain(String(port));
      // A client left reconnecting in the background would knock on the port again.
      let knocks = 0;
      const listener = net.createServer((socket) => {
        knocks++;
        socket.destroy();
      });
      await new Promise<void>((resolve) => listener.listen(port, '127.0.0.1', resolve));
      await sleep(600);
      await new Promise<void>((resolve) => listener.close(() => resolve()));
      expect(knocks).toBe(0);
    });

    it('hides the password in what it reports', async () => {
      const port = await unusedPort();
      const err = await rejects(impl.StoreUnavailableError, () => impl.connectRedis({ url: `redis://user:s3cret@127.0.0.1:${port}` }));
      expect(err.message).not.toContain('s3cret');
    });

    it('fails fast while Redis is away, and reconnects by itself when it returns', async () => {
      const proxy = await startTcpProxy(redisTarget());
      const client = await impl.connectRedis({ url: `redis://127.0.0.1:${proxy.port}` });
      try {
        expect(await impl.guardRedis('ping', () => client.ping())).toBe('PONG');
        await proxy.down();
        for (let i = 0; i < 3; i++) {
          const err = await rejects(impl.StoreUnavailableError, () => impl.guardRedis('ping', () => client.ping()));
          expect(err.message).toContain('ping');
        }
        await proxy.up();
        expect(await eventually(() => impl.guardRedis('ping', () => client.ping()))).toBe('PONG');
      } finally {
        await impl.closeRedis(client);
        await proxy.close();
      }
    });

    it('a command cut off by a dropped connection fails instead of being resent', async () => {
      const proxy = await startTcpProxy(redisTarget());
      const client = await impl.connectRedis({ url: `redis://127.0.0.1:${proxy.port}` });
      const key = `${newPrefix()}counter`;
      try {
        proxy.mute(true); // the INCR reaches Redis; its reply is lost with the connection
        const pending = impl.guardRedis('incr', () => client.incr(key));
        pending.catch(() => {}); // awaited below
        await eventually(async () => {
          expect(await raw!.get(key)).toBe('1'); // it did reach Redis
        });
        await proxy.down();
        proxy.mute(false);
        await rejects(impl.StoreUnavailableError, () => pending);
        await proxy.up();
        await eventually(() => impl.guardRedis('ping', () => client.ping()));
        expect(await raw!.get(key)).toBe('1'); // executed once, not resent on reconnect
      } finally {
        await impl.closeRedis(client);
        await proxy.close();
      }
    });

    it('a command Redis refuses (a bug, not an outage) is not reported as unavailable', async () => {
      const client = await impl.connectRedis({ url: REDIS_URL });
      const key = `${newPrefix()}a-list`;
      try {
        await client.rpush(key, 'x');
        let caught: unknown;
        try {
          await impl.guardRedis('hget', () => client.hget(key, 'field'));
        } catch (e) {
          caught = e;
        }
        expect(caught).toBeInstanceOf(Error);
        expect(caught).not.toBeInstanceOf(impl.StoreUnavailableError);
        expect((caught as Error).message).toMatch(/WRONGTYPE/);
        const busy = impl.toStoreError(Object.assign(new Error('LOADING Redis is loading the dataset in memory'), { name: 'ReplyError' }), 'get');
        expect(busy).toBeInstanceOf(impl.StoreUnavailableError);
      } finally {
        await impl.closeRedis(client);
      }
    });

    it('closing while Redis is away does not hang or throw', async () => {
      const proxy = await startTcpProxy(redisTarget());
      const client = await impl.connectRedis({ url: `redis://127.0.0.1:${proxy.port}` });
      await proxy.down();
      await impl.closeRedis(client);
      expect(client.status).toBe('end');
      await proxy.close();
    });
  });
});


// ====================================================================== redis-store

exercise('redis-store', () => {
  describe.skipIf(!redisOk)('Redis', () => {
    conformance(impl, redisBackend);

    it('keeps every key under its prefix, each with a TTL (default one hour)', async () => {
      const prefix = newPrefix();
      const store = await impl.openRedisStore({ prefix });
      try {
        const { id } = await store.createSession();
        await store.saveTurn(id, turn(1), { clientId: 'k1' });
        await store.appendMessage(id, { role: 'user', content: 'u2' });
        const mine = await keysUnder(raw!, prefix);
        expect(mine.length).toBeGreaterThanOrEqual(3);
        for (const key of mine) {
          const ttl = await raw!.pttl(key);
          expect(ttl, key).toBeGreaterThan(3_500_000);
          expect(ttl, key).toBeLessThanOrEqual(3_600_000);
        }
        const anywhere = await keysUnder(raw!, '');
        const withId = anywhere.filter((k) => k.includes(id));
        expect(withId.length).toBeGreaterThan(0);
        for (const k of withId) expect(k.startsWith(prefix), k).toBe(true);
      } finally {
        await store.close();
      }
    });

    it('a session expires as a whole after its TTL, and every write refreshes it', async () => {
      const prefix = newPrefix();
      const store = await impl.openRedisStore({ prefix, ttlSeconds: 1 });
      try {
        const idle = await store.createSession({ id: 'idle' });
        const busy = await store.createSession({ id: 'busy' });
        const allKeysHaveTtl = async () => {
          for (const key of await keysUnder(raw!, prefix)) expect(await raw!.pttl(key), key).toBeGreaterThan(0);
        };
        await sleep(600);
        await store.saveTurn(busy.id, turn(1)); // t = 0.6 s
        await sleep(600); // t = 1.2 s: idle is gone, busy lives on
        expect(await store.getSession(idle.id)).toBeNull();
        await rejects(impl.SessionNotFoundError, () => store.loadHistory(idle.id));
        expect((await store.loadHistory(busy.id)).map((m) => m.content)).toEqual(['u1', 'a1']);
        expect((await store.listSessions()).map((s) => s.id)).toEqual(['busy']);
        await allKeysHaveTtl();
        await store.appendMessage(busy.id, { role: 'user', content: 'u2' }); // t = 1.2 s
        await sleep(600); // t = 1.8 s
        expect(await store.loadHistory(busy.id)).toHaveLength(3);
        await store.clearSession(busy.id); // t = 1.8 s
        await sleep(600); // t = 2.4 s
        expect(await store.stats(busy.id)).toMatchObject({ turns: 0 });
        await allKeysHaveTtl();
        await sleep(1300); // t = 3.7 s: 1.9 s after the last write
        expect(await store.getSession(busy.id)).toBeNull();
        await rejects(impl.SessionNotFoundError, () => store.loadHistory(busy.id));
        expect(await store.listSessions()).toEqual([]);
        expect(await keysUnder(raw!, prefix)).toEqual([]);
      } finally {
        await store.close();
      }
    });

    it('refuses a bad TTL', async () => {
      for (const ttlSeconds of [0, -1, Number.NaN]) {
        await rejects(impl.InvalidArgumentError, () => impl.openRedisStore({ prefix: newPrefix(), ttlSeconds }));
      }
    });
  });

  describe.skipIf(!redisOk)('Redis unavailable', () => {
    it('cannot connect: openRedisStore fails with StoreUnavailableError', async () => {
      const port = await unusedPort();
      const err = await rejects(impl.StoreUnavailableError, () => impl.openRedisStore({ url: `redis://127.0.0.1:${port}`, prefix: newPrefix() }));
      expect(err.message).toContain(String(port));
    });

    it('while Redis is away every call fails fast with StoreUnavailableError; when it returns the store works again', async () => {
      const proxy = await startTcpProxy(redisTarget());
      const store = await impl.openRedisStore({ url: `redis://127.0.0.1:${proxy.port}`, prefix: newPrefix(), ttlSeconds: 60 });
      try {
        const { id } = await store.createSession();
        await store.saveTurn(id, turn(1));
        await proxy.down();
        const calls: [string, () => Promise<unknown>][] = [
          ['createSession', () => store.createSession()],
          ['getSession', () => store.getSession(id)],
          ['saveTurn', () => store.saveTurn(id, turn(2))],
          ['appendMessage', () => store.appendMessage(id, { role: 'user', content: 'x' })],
          ['loadHistory', () => store.loadHistory(id)],
          ['listSessions', () => store.listSessions()],
          ['stats', () => store.stats(id)],
          ['clearSession', () => store.clearSession(id)],
          ['deleteSession', () => store.deleteSession(id)],
        ];
        for (const [name, call] of calls) {
          const err = await rejects(impl.StoreUnavailableError, call);
          expect(err.code, name).toBe('unavailable');
          expect(err.message, name).toMatch(/unavailable/i);
        }
        await proxy.up();
        const history = await eventually(() => store.loadHistory(id));
        expect(history.map((m) => m.content)).toEqual(['u1', 'a1']);
        await store.saveTurn(id, turn(2));
        expect(await store.loadHistory(id)).toHaveLength(4);
      } finally {
        await store.close();
        await proxy.close();
      }
    });

    it('a save whose reply was lost can be retried with its client id and is stored once', async () => {
      const proxy = await startTcpProxy(redisTarget());
      const prefix = newPrefix();
      const store = await impl.openRedisStore({ url: `redis://127.0.0.1:${proxy.port}`, prefix, ttlSeconds: 60, commandTimeoutMs: 300 });
      try {
        const { id } = await store.createSession();
        await store.saveTurn(id, turn(1), { clientId: 'turn-1' });
        proxy.mute(true); // the request reaches Redis, the reply never comes back
        await rejects(impl.StoreUnavailableError, () => store.saveTurn(id, turn(2), { clientId: 'turn-2' }));
        // The save did happen: a store talking to Redis directly sees it.
        const direct = await impl.openRedisStore({ prefix, ttlSeconds: 60 });
        try {
          await eventually(async () => {
            expect(await direct.loadHistory(id)).toHaveLength(4);
          });
        } finally {
          await direct.close();
        }
        await proxy.down();
        proxy.mute(false);
        await proxy.up();
        const retried = await eventually(() => store.saveTurn(id, turn(2), { clientId: 'turn-2' }));
        expect(retried.map((m) => m.seq)).toEqual([3, 4]);
        expect((await store.loadHistory(id)).map((m) => m.content)).toEqual(['u1', 'a1', 'u2', 'a2']);
      } finally {
        await store.close();
        await proxy.close();
      }
    });

    it('closing a store while Redis is away does not hang or throw', async () => {
      const proxy = await startTcpProxy(redisTarget());
      const store = await impl.openRedisStore({ url: `redis://127.0.0.1:${proxy.port}`, prefix: newPrefix() });
      await store.createSession();
      await proxy.down();
      await store.close();
      const err = await rejects(impl.StoreError, () => store.listSessions());
      expect(err.code).toBe('closed');
      await proxy.close();
    });
  });
});

// ====================================================================== tiered-store

exercise('tiered-store', () => {
  describe.skipIf(!redisOk)('tiered', () => {
    conformance(impl, tieredBackend);

    async function openTiered(opts: { prefix?: string; file?: string; ttlSeconds?: number; url?: string } = {}) {
      const cache = await impl.openRedisStore({ prefix: opts.prefix ?? newPrefix(), ttlSeconds: opts.ttlSeconds ?? 60, url: opts.url });
      const archive = await impl.openSqliteStore({ path: opts.file ?? tmpFile('tiered-own.db') });
      const store = await impl.openTieredStore({ cache, archive });
      return { cache, archive, store };
    }

    it('writes go to the archive and to the cache', async () => {
      const { cache, archive, store } = await openTiered();
      try {
        const { id } = await store.createSession({ systemPrompt: 'both' });
        await store.saveTurn(id, turn(1), { clientId: 'c1' });
        await store.appendMessage(id, { role: 'user', content: 'u2' });
        const fromArchive = await archive.loadHistory(id);
        expect(fromArchive).toHaveLength(3);
        expect(await cache.loadHistory(id)).toEqual(fromArchive);
        expect(await cache.stats(id)).toEqual(await archive.stats(id));
      } finally {
        await store.close();
      }
    });

    it('reads come from the cache', async () => {
      const { cache, store } = await openTiered();
      try {
        const { id } = await store.createSession();
        await store.saveTurn(id, turn(1));
        await cache.appendMessage(id, { role: 'user', content: 'only in the cache' });
        expect((await store.loadHistory(id)).map((m) => m.content)).toEqual(['u1', 'a1', 'only in the cache']);
      } finally {
        await store.close();
      }
    });

    it('a cache miss is served from the archive and warms the cache', async () => {
      const file = tmpFile('tiered-warm.db');
      const first = await openTiered({ file });
      const { id } = await first.store.createSession({ systemPrompt: 'warm me' });
      for (let n = 1; n <= 3; n++) await first.store.saveTurn(id, turn(n));
      const expected = await first.archive.loadHistory(id);
      await first.store.close();

      const second = await openTiered({ file }); // a new, empty cache prefix
      try {
        expect(await second.cache.getSession(id)).toBeNull();
        expect(await second.store.loadHistory(id, { lastTurns: 1 })).toEqual(expected.slice(4));
        expect(await second.cache.loadHistory(id)).toEqual(expected);
        expect(await second.cache.stats(id)).toMatchObject({ systemPrompt: 'warm me', turns: 3 });
        expect((await second.store.listSessions()).map((s) => s.id)).toEqual([id]);
        // The retry of a turn the archive already has is still answered, not duplicated.
        await second.cache.evict(id);
        expect(await second.store.saveTurn(id, turn(9), { clientId: 'late' })).toHaveLength(2);
        expect(await second.store.saveTurn(id, turn(9), { clientId: 'late' })).toEqual((await second.archive.loadHistory(id)).slice(6));
        expect(await second.cache.loadHistory(id)).toEqual(await second.archive.loadHistory(id));
      } finally {
        await second.store.close();
      }
    });

    it('when the cache copy expires, the archive still has the whole session', async () => {
      const { cache, store } = await openTiered({ ttlSeconds: 1 });
      try {
        const { id } = await store.createSession();
        await store.saveTurn(id, turn(1));
        await store.saveTurn(id, turn(2));
        await sleep(1300);
        expect(await cache.getSession(id)).toBeNull();
        expect((await store.loadHistory(id)).map((m) => m.content)).toEqual(['u1', 'a1', 'u2', 'a2']);
        expect(await cache.loadHistory(id)).toHaveLength(4);
      } finally {
        await store.close();
      }
    });

    it('keeps working on the archive while Redis is away, and never serves a stale copy after', async () => {
      const proxy = await startTcpProxy(redisTarget());
      const { cache, archive, store } = await openTiered({ url: `redis://127.0.0.1:${proxy.port}` });
      try {
        const { id } = await store.createSession();
        await store.saveTurn(id, turn(1));
        expect(await cache.loadHistory(id)).toHaveLength(2);
        await proxy.down();
        await store.saveTurn(id, turn(2));
        await store.appendMessage(id, { role: 'user', content: 'u3' });
        expect((await store.loadHistory(id)).map((m) => m.content)).toEqual(['u1', 'a1', 'u2', 'a2', 'u3']);
        expect(await store.stats(id)).toMatchObject({ turns: 3 });
        const other = await store.createSession();
        expect(await store.getSession(other.id)).toMatchObject({ id: other.id });
        await proxy.up();
        await eventually(() => cache.listSessions());
        // The cached copy missed three writes: it must not be served.
        expect(await store.loadHistory(id)).toEqual(await archive.loadHistory(id));
        expect(await cache.loadHistory(id)).toEqual(await archive.loadHistory(id));
        expect(await store.stats(id)).toEqual(await archive.stats(id));
      } finally {
        await store.close();
        await proxy.close();
      }
    });
  });
});
