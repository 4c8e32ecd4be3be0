/**
 * Exercise "redis-connection": connect so that a Redis outage is an error the
 * caller can handle, never a hang and never a crash, and recover by itself
 * when Redis comes back.
 *
 * ioredis' defaults suit a worker that can wait: commands issued while
 * disconnected are queued, and retried up to 20 reconnections. A chat server
 * cannot wait: it should answer "storage unavailable" now, and try again on
 * the next request.
 *
 * Run its tests: LAB_TARGET=exercises npx vitest run modules/persistence -t redis-connection
 */
import type { Redis } from 'ioredis';
import { todo } from '../../shared/not-implemented.ts';
// You will want: import { Redis } from 'ioredis' (a value import, to construct it),
// and import { StoreError, StoreUnavailableError } from '../given/errors.ts';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export interface RedisConnectionOptions {
  /** Default DEFAULT_REDIS_URL (or REDIS_URL from the environment). */
  url?: string;
  /** Give up on a connection attempt after this long. Default 2000. */
  connectTimeoutMs?: number;
  /** Give up on a command that gets no reply after this long (a stalled server). Default 2000. */
  commandTimeoutMs?: number;
}

/** Provided. The URL without its password, fit for an error message or a log. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable Redis URL)';
  }
}

/**
 * Map what ioredis threw to the store's errors:
 * - a StoreError: unchanged;
 * - a server reply error (name 'ReplyError') such as WRONGTYPE or a script
 *   error: unchanged, it is a bug, not an outage; except the transient ones
 *   (LOADING, BUSY, MASTERDOWN, TRYAGAIN, CLUSTERDOWN, READONLY);
 * - anything else (refused, closed, not writeable, timed out, retries
 *   exhausted): StoreUnavailableError('redis', a message naming `doing`).
 */
export function toStoreError(e: unknown, doing: string): unknown {
  todo('redis-connection');
}

/** Provided. Run one Redis operation and translate its failure with toStoreError. */
export async function guardRedis<T>(doing: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    throw toStoreError(e, doing);
  }
}

/**
 * Connect, fail fast, recover by itself. Look at these ioredis options:
 * lazyConnect, enableOfflineQueue, maxRetriesPerRequest, connectTimeout,
 * commandTimeout, retryStrategy. And listen for 'error' events: ioredis emits
 * one on every failed reconnection, and an 'error' nobody listens to crashes
 * the process. If the first connection fails: StoreUnavailableError (naming
 * the address, without the password), and nothing left running.
 */
export async function connectRedis(opts: RedisConnectionOptions = {}): Promise<Redis> {
  todo('redis-connection');
}

/** Close politely when connected (quit), at once otherwise (disconnect). Never hangs, never throws. */
export async function closeRedis(client: Redis): Promise<void> {
  todo('redis-connection');
}
