import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeRedis, connectRedis } from '../../modules/persistence/reference/index.ts';
import { REDIS_URL, useRedis } from '../../test-support/services.ts';
import { FIRST_TURNS, QUESTION, runLab, type LabResult, type StoreKind } from './lab.ts';

/**
 * Lab 3 must show its point every time it runs: a conversation saved turn by
 * turn by one process is loaded by a second, separate process, which still
 * knows what turn 1 said; the store holds every turn in order; and a manager
 * that skips the load forgets. [lab3-session-store, sqlite-history, redis-vs-sqlite]
 */
const dirs: string[] = [];
const prefixes: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'lab3-'));
  dirs.push(dir);
  return dir;
}

/** A Redis key prefix no other run uses; every key under it is deleted after the tests. */
function uniquePrefix(): string {
  const prefix = `test:lab3:${randomUUID().slice(0, 8)}:`;
  prefixes.push(prefix);
  return prefix;
}

async function deleteKeys(match: string): Promise<number> {
  const redis = await connectRedis({ url: REDIS_URL });
  try {
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 500);
      if (keys.length > 0) deleted += await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    return deleted;
  } finally {
    await closeRedis(redis);
  }
}

afterAll(async () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  for (const prefix of prefixes) await deleteKeys(`${prefix}*`); // never FLUSHALL: only this file's keys
});

const redisAvailable = await useRedis();
const script = path.join(import.meta.dirname, 'run.ts');
const env = { ...process.env, NO_COLOR: '1' };

/**
 * `npm run lab:store -- <args>` as a learner runs it, but with stdout a pipe (not a TTY) and NO_COLOR
 * set. Asynchronous, so the other tests' session processes keep running meanwhile.
 */
function command(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** What every store must show. `labPid`: the process that ran the lab (and spawned both session processes). */
function expectLabShown(result: LabResult, store: StoreKind, labPid: number): void {
  expect(result.schema).toBe('lab3-session-store/v1');
  expect(result.options.store).toBe(store);

  // Two separate processes, one after the other, neither of them the lab itself.
  const { first, second } = result.processes;
  expect(first).not.toBeNull();
  expect(first!.exitCode).toBe(0);
  expect(second.exitCode).toBe(0);
  expect(new Set([labPid, first!.pid, second.pid]).size).toBe(3);
  expect(first!.ppid).toBe(labPid);
  expect(second.ppid).toBe(labPid);

  // Process 1 said ten turns, each saved as it completed (seq 2n-1, 2n), sending the growing history.
  expect(result.first!.turns.map((t) => t.input)).toEqual([...FIRST_TURNS]);
  expect(result.first!.turns.map((t) => t.messagesSent)).toEqual(FIRST_TURNS.map((_, i) => 2 * i + 1));
  expect(result.first!.turns.map((t) => t.stored.map((s) => s.seq))).toEqual(FIRST_TURNS.map((_, i) => [2 * i + 1, 2 * i + 2]));

  // Process 2 loaded 20 messages, restored 10 turns, sent all of them with turn 11, and remembered turn 1.
  expect(result.second.loaded).toMatchObject({ messages: 20, turns: 10, firstSeq: 1, lastSeq: 20 });
  expect(result.second.restoredTurnCount).toBe(10);
  expect(result.second.turn).toMatchObject({ turn: 11, input: QUESTION, messagesSent: 21 });
  expect(result.second.turn.reply).toBe('Your name is Meera. You work with PostgreSQL.');
  expect(result.second.remembered).toBe(true);

  // The stateless contrast: same process, no load, one message sent, and it does not know.
  expect(result.contrast.messagesSent).toBe(1);
  expect(result.contrast.reply).toMatch(/I don't know your name/);
  expect(result.contrast.reply).not.toMatch(/Meera|PostgreSQL/);
  expect(result.contrast.forgot).toBe(true);

  // The store, read after both processes exited: 11 turns, 22 messages, in order, numbered 1-22.
  const { messages, stats } = result.store;
  expect(stats.id).toBe(result.session.id);
  expect(stats.turns).toBe(11);
  expect(messages).toHaveLength(22);
  expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
  expect(messages.map((m) => m.role)).toEqual(Array.from({ length: 22 }, (_, i) => (i % 2 === 0 ? 'user' : 'assistant')));
  expect(messages.filter((m) => m.role === 'user').map((m) => m.content)).toEqual([...FIRST_TURNS, QUESTION]);
  expect(messages[1].content).toMatch(/Meera/);
  expect(messages[21].content).toBe(result.second.turn.reply);
  expect(messages.every((m) => m.status === 'complete' && (m.tokens ?? 0) > 0)).toBe(true);
  expect(messages.every((m) => (m.role === 'assistant') === (m.usage !== null))).toBe(true);
  expect(stats.tokensIn).toBe(messages.reduce((s, m) => s + (m.usage?.input ?? 0), 0));
  expect(result.store.sessions.map((s) => s.id)).toContain(result.session.id);
  expect(result.session.systemPrompt).toMatch(/user's name/);

  expect(result.checks).toEqual({ newProcess: true, historyLoaded: true, rememberedAfterRestart: true, statelessForgot: true, storeComplete: true, inOrder: true });
  expect(result.passed).toBe(true);
}

async function run(options: Parameters<typeof runLab>[0]): Promise<{ result: LabResult; output: string }> {
  const lines: string[] = [];
  const result = await runLab({ speed: 0, write: (l) => lines.push(l), ...options });
  return { result, output: lines.join('\n') };
}

describe.concurrent('Lab 3: a persistent session store', () => {
  it('the command: --help, a refused flag, and a plain-text SQLite run across two processes that writes its results [lab3-session-store, sqlite-history]', async () => {
    const help = await command(['--help']);
    expect(help.status).toBe(0);
    for (const flag of ['--store', '--db', '--provider', '--speed', '--session', '--ttl']) expect(help.stdout).toContain(flag);
    const bad = await command(['--store', 'mongodb']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--store must be one of sqlite, redis, tiered/);

    const dir = tempDir();
    const ok = await command(['--db', path.join(dir, 'lab3.db'), '--out', dir]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/Process 1/);
    expect(ok.stdout).toMatch(/Process 2/);
    expect(ok.stdout).toMatch(/turn 11 {2}you {3}> What is my name/);
    expect(ok.stdout).toMatch(/Remembered across the restart/);
    expect(ok.stdout).toMatch(/Forgotten/);
    expect(ok.stdout).toMatch(/^\s+22 {2}assistant {2}complete/m);
    expect(ok.stdout).toMatch(/PASSED/);
    expect(ok.stdout).not.toMatch(/\u001b\[/);

    const saved = JSON.parse(readFileSync(path.join(dir, 'lab3-session-store.json'), 'utf8')) as LabResult;
    expectLabShown(saved, 'sqlite', saved.processes.lab.pid);
    expect(saved.store.sqlite?.file).toBe(path.join(dir, 'lab3.db'));
    expect(saved.store.redis).toBeNull();
    expect(JSON.parse(readFileSync(path.join(dir, 'sqlite-anthropic.json'), 'utf8'))).toEqual(saved);
  }, 60_000);

  it.runIf(redisAvailable)('redis: the same, and every key of the session carries the TTL [lab3-session-store, redis-vs-sqlite]', async () => {
    const prefix = uniquePrefix();
    const dir = tempDir();
    const { result, output } = await run({ store: 'redis', prefix, ttlSeconds: 600, resultsDir: dir });
    expectLabShown(result, 'redis', process.pid);
    expect(result.store.sqlite).toBeNull();
    const keys = result.store.redis!.keys;
    expect(keys.map((k) => k.key.slice(prefix.length))).toEqual(['meta', 'msgs', 'turns', 'idem'].map((s) => `session:${result.session.id}:${s}`).concat('sessions'));
    expect(keys.map((k) => [k.type, k.size])).toEqual([['hash', 8], ['list', 22], ['list', 11], ['hash', 11], ['zset', 1]]);
    for (const k of keys) {
      expect(k.ttlSeconds).toBeGreaterThan(590);
      expect(k.ttlSeconds).toBeLessThanOrEqual(600);
    }
    expect(output).toMatch(/TTL \d+\.\d s/);
    expect((JSON.parse(readFileSync(path.join(dir, 'lab3-session-store.json'), 'utf8')) as LabResult).passed).toBe(true);

    // Redis forgets: once the session's keys are gone (TTL, eviction), continuing it fails with a clear reason.
    await deleteKeys(`${prefix}session:${result.session.id}:*`);
    await expect(run({ store: 'redis', prefix, session: result.session.id, resultsDir: null })).rejects.toThrow(/^Process 2 exited with code 1: No session "[^"]+" \(never created, deleted, or expired\)\.\nRedis forgets a session when its TTL runs out/);
  }, 60_000);

  it.runIf(redisAvailable)('tiered: Redis and SQLite hold the same 22 messages; when Redis forgets, the archive brings the session back [lab3-session-store, redis-vs-sqlite]', async () => {
    const prefix = uniquePrefix();
    const db = path.join(tempDir(), 'archive.db');
    const { result } = await run({ store: 'tiered', prefix, db, resultsDir: null });
    expectLabShown(result, 'tiered', process.pid);
    expect(result.second.loaded.source).toBe('cache');
    expect(result.store.tiers).toEqual({ cacheMessages: 22, archiveMessages: 22, agree: true });
    expect(result.store.redis!.keys.find((k) => k.key.endsWith(':msgs'))).toMatchObject({ type: 'list', size: 22 });

    // The cache loses the session; a new process continues it from the archive, and still remembers.
    await deleteKeys(`${prefix}session:${result.session.id}:*`);
    // (With the other provider this time: what is stored is provider-neutral.)
    const { result: again, output } = await run({ store: 'tiered', provider: 'openai', prefix, db, session: result.session.id, cleanup: true, resultsDir: null });
    expect(again.processes.first).toBeNull();
    expect(again.second.loaded).toMatchObject({ messages: 22, turns: 11, source: 'archive' });
    expect(again.second.turn).toMatchObject({ turn: 12, messagesSent: 23 });
    expect(again.second.remembered).toBe(true);
    expect(again.store.messages.map((m) => m.seq)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    expect(again.store.tiers).toEqual({ cacheMessages: 24, archiveMessages: 24, agree: true });
    expect(again.passed).toBe(true);
    expect(output).toMatch(/from the SQLite archive/);
    // --cleanup removed it from both tiers.
    expect(again.store.deleted).toBe(true);
    expect(await deleteKeys(`${prefix}session:${result.session.id}:*`)).toBe(0);
  }, 60_000);
});
