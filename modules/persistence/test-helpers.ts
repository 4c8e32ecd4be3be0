/**
 * Helpers for the persistence suite (not part of the module's API).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Redis } from 'ioredis';
import type { NewMessage } from './reference/index.ts';
import { eventually as retryUntil } from '../../test-support/eventually.ts';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');

export { sleep } from '../../test-support/eventually.ts';

/**
 * Expect `run` to fail with an instance of `cls`; return the error. Any other
 * error is rethrown unchanged, so a NotImplemented from an exercise starter
 * shows up as itself, not as a confusing "wrong error class".
 */
export async function rejects<E extends Error>(cls: abstract new (...args: never[]) => E, run: () => unknown): Promise<E> {
  let result: unknown;
  try {
    result = await run();
  } catch (e) {
    if (e instanceof cls) return e;
    throw e;
  }
  throw new Error(`Expected ${cls.name}, but the call succeeded with ${JSON.stringify(result)?.slice(0, 200)}`);
}

/** Retry `probe` until it stops throwing (or `ms` pass, then its last error is thrown). */
export const eventually = <T>(probe: () => Promise<T>, ms = 5000): Promise<T> => retryUntil(probe, ms, 50);

/** Turn n: [user "u<n>", assistant "a<n>"] with token counts and usage. */
export function turn(n: number, label = ''): NewMessage[] {
  return [
    { role: 'user', content: `${label}u${n}`, tokens: 5 + n },
    { role: 'assistant', content: `${label}a${n}`, tokens: 7 + n, usage: { input: 100 + n, output: 10 + n } },
  ];
}

/** A deterministic random generator (the simulator's mulberry32), so a failing run can be replayed from its seed. */
export { seededRandom as seeded } from '../../fixtures/sim/random.ts';

// ---------------------------------------------------------------- Redis

/** A key prefix no other test uses. */
export function uniquePrefix(): string {
  return `test:persistence:${randomUUID().slice(0, 8)}:`;
}

/** Every key under a prefix (SCAN, never KEYS). */
export async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    found.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return found.sort();
}

/** Delete every key under a prefix (this test's own keys only; never FLUSHDB). */
export async function dropPrefix(redis: Redis, prefix: string): Promise<void> {
  const keys = await keysUnder(redis, prefix);
  if (keys.length > 0) await redis.del(...keys);
}

// ---------------------------------------------------------------- child processes

export interface Child {
  /** n of every "ack n" line so far. */
  acks: number[];
  /** Resolves on "ready"; rejects if the child exits first. */
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
  kill(): void;
  /** Stop reading the child's output for a while (a busy parent), and start again. */
  pauseReading(): void;
  resumeReading(): void;
}

/** Start durability-child.ts (the target's SQLite store saving turns; see that file). */
export function startWriter(dbPath: string, sessionId: string, writer: string, from: number, count: number): Child {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(import.meta.dirname, 'durability-child.ts'), dbPath, sessionId, writer, String(from), String(count)],
    { cwd: repoRoot, env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const acks: number[] = [];
  let err = '';
  let out = '';
  let onReady: () => void = () => {};
  let onEarlyExit: (e: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    onEarlyExit = reject;
  });
  ready.catch(() => {}); // observed by whoever awaits it
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    const lines = out.split('\n');
    out = lines.pop() ?? '';
    for (const line of lines) {
      if (line === 'ready') onReady();
      const m = /^ack (\d+)$/.exec(line);
      if (m) acks.push(Number(m[1]));
    }
  });
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  // 'close', not 'exit': 'exit' can come before the last of stdout is read, and an ack the child
  // wrote just before it was killed would be missed (the test would then see more turns than acks).
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.on('close', (code, signal) => {
      onEarlyExit(new Error(`writer exited before it was ready (code ${code}, signal ${signal}): ${err.trim()}`));
      resolve({ code, signal });
    });
  });
  return { acks, ready, exited, stderr: () => err, kill: () => proc.kill('SIGKILL'), pauseReading: () => proc.stdout.pause(), resumeReading: () => proc.stdout.resume() };
}

/**
 * The first line of a child's stderr that names an error: a child that failed
 * on its own (e.g. NotImplemented) is reported with its own message.
 */
export function childError(stderr: string): string {
  const line = stderr.split('\n').find((l) => /Error|Not implemented/.test(l));
  return (line ?? stderr).trim().slice(0, 500);
}
