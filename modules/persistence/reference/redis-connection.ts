/**
 * Exercise "redis-connection": connect so that a Redis outage is an error the
 * caller can handle, never a hang and never a crash, and recover by itself
 * when Redis comes back.
 *
 * ioredis' defaults suit a worker that can wait: commands issued while
 * disconnected are queued, and retried up to 20 reconnections. A chat server
 * cannot wait: it should answer "storage unavailable" now, and try again on
 * the next request.
 */
import { Redis } from 'ioredis';
import { StoreError, StoreUnavailableError } from '../given/errors.ts';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export interface RedisConnectionOptions {
  /** Default DEFAULT_REDIS_URL (or REDIS_URL from the environment). */
  url?: string;
  /** Give up on a connection attempt after this long. Default 2000. */
  connectTimeoutMs?: number;
  /** Give up on a command that gets no reply after this long (a stalled server). Default 2000. */
  commandTimeoutMs?: number;
}

/** The URL without its password, fit for an error message or a log. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable Redis URL)';
  }
}

/** Server replies that mean "not now" rather than "wrong command". */
const TRANSIENT_REPLY = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|READONLY)\b/;

/**
 * Map what ioredis threw to the store's errors: anything about the connection
 * (refused, closed, not writeable, timed out, retries exhausted) or a
 * transient server state becomes StoreUnavailableError; a StoreError passes
 * through; any other server reply error (a bug: WRONGTYPE, a script error) is
 * returned unchanged.
 */
export function toStoreError(e: unknown, doing: string): unknown {
  if (e instanceof StoreError) return e;
  if (!(e instanceof Error)) return e;
  const isReply = e.name === 'ReplyError';
  if (isReply && !TRANSIENT_REPLY.test(e.message)) return e;
  const why = e.message.replace(/\.+$/, '');
  return new StoreUnavailableError('redis', `Redis is unavailable (${doing}): ${why}. Try again shortly.`, { cause: e });
}

/** Run one Redis operation and translate its failure with toStoreError. */
export async function guardRedis<T>(doing: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    throw toStoreError(e, doing);
  }
}

/**
 * Connect, fail fast, recover by itself:
 * - enableOfflineQueue: false: while disconnected a command fails at once
 *   instead of waiting in a queue;
 * - maxRetriesPerRequest: 0: a command cut off by a dropped connection fails
 *   instead of being resent (the caller retries, safely, with a client id);
 * - retryStrategy: keep reconnecting in the background, backing off to 1 s;
 * - an 'error' listener: ioredis emits 'error' on every failed reconnection,
 *   and an EventEmitter 'error' without a listener crashes the process.
 * If the first connection fails: StoreUnavailableError, and nothing is left running.
 */
export async function connectRedis(opts: RedisConnectionOptions = {}): Promise<Redis> {
  const url = opts.url ?? process.env.REDIS_URL ?? DEFAULT_REDIS_URL;
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: opts.connectTimeoutMs ?? 2000,
    commandTimeout: opts.commandTimeoutMs ?? 2000,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 5), 1000),
  });
  client.on('error', () => {
    // Reported to callers as StoreUnavailableError by guardRedis; nothing to do here.
  });
  try {
    await client.connect();
  } catch (e) {
    client.disconnect();
    throw new StoreUnavailableError('redis', `Cannot connect to Redis at ${redactUrl(url)}: ${(e as Error).message}`, { cause: e });
  }
  return client;
}

/** Close politely when connected (pending replies arrive), at once otherwise. */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // fall through
    }
  }
  client.disconnect();
}
