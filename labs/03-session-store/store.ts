/**
 * Opening the lab's store, the same way in every process: the persistence
 * module's openStore with the lab's configuration.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  StoreUnavailableError,
  TieredStore,
  openStore,
  redactUrl,
  type RedisStore,
  type SqliteStore,
} from '../../modules/persistence/reference/index.ts';
import type { StoreConfig } from './protocol.ts';

export type LabStore = SqliteStore | RedisStore | TieredStore;

export async function openLabStore(config: StoreConfig): Promise<LabStore> {
  if (config.db !== null) mkdirSync(path.dirname(config.db), { recursive: true });
  const redis = config.redis === null ? undefined : { url: config.redis.url, prefix: config.redis.prefix, ttlSeconds: config.redis.ttlSeconds };
  try {
    switch (config.kind) {
      case 'sqlite':
        return await openStore('sqlite', { path: requireDb(config) });
      case 'redis':
        return await openStore('redis', redis);
      case 'tiered':
        return await openStore('tiered', { sqlite: { path: requireDb(config) }, redis });
    }
  } catch (e) {
    if (e instanceof StoreUnavailableError && config.redis !== null) {
      throw new Error(
        `${e.message}\nStart Redis (for example \`redis-server\`, or \`docker run -p 6379:6379 redis\`), set REDIS_URL, or run with --store sqlite.`,
        { cause: e },
      );
    }
    throw e;
  }
}

function requireDb(config: StoreConfig): string {
  if (config.db === null) throw new Error(`--store ${config.kind} needs a SQLite file.`);
  return config.db;
}

/** One line saying where the conversation is kept. */
export function describeStore(config: StoreConfig, shown: (file: string) => string = (f) => f): string {
  const redis = config.redis;
  const db = config.db === null ? '' : shown(config.db);
  if (config.kind === 'sqlite') return `SQLite file ${db}`;
  if (redis === null) return config.kind;
  const where = `${redactUrl(redis.url)} keys ${redis.prefix}*, TTL ${redis.ttlSeconds} s`;
  if (config.kind === 'redis') return `Redis at ${where}`;
  return `Redis cache (${where}) in front of the SQLite archive ${db}`;
}
