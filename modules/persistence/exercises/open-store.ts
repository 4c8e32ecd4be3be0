/**
 * One entry point for every backend. Provided: not an exercise.
 *
 *   await openStore('sqlite', { path: 'data/chat.db' })
 *   await openStore('redis', { url: 'redis://127.0.0.1:6379', prefix: 'chat:', ttlSeconds: 3600 })
 *   await openStore('tiered', { sqlite: { path: 'data/chat.db' }, redis: { ttlSeconds: 600 } })
 */
import { InvalidArgumentError } from '../given/errors.ts';
import { openRedisStore, type RedisStore, type RedisStoreOptions } from './redis-store.ts';
import { openSqliteStore, type SqliteStore, type SqliteStoreOptions } from './sqlite-store.ts';
import { openTieredStore, type TieredStore } from './tiered-store.ts';

export type StoreKind = 'sqlite' | 'redis' | 'tiered';

export interface TieredOpenOptions {
  sqlite: SqliteStoreOptions;
  redis?: RedisStoreOptions;
}

export function openStore(kind: 'sqlite', opts: SqliteStoreOptions): Promise<SqliteStore>;
export function openStore(kind: 'redis', opts?: RedisStoreOptions): Promise<RedisStore>;
export function openStore(kind: 'tiered', opts: TieredOpenOptions): Promise<TieredStore>;
export function openStore(kind: StoreKind, opts?: SqliteStoreOptions | RedisStoreOptions | TieredOpenOptions): Promise<SqliteStore | RedisStore | TieredStore>;
export async function openStore(
  kind: StoreKind,
  opts?: SqliteStoreOptions | RedisStoreOptions | TieredOpenOptions,
): Promise<SqliteStore | RedisStore | TieredStore> {
  switch (kind) {
    case 'sqlite':
      return openSqliteStore(opts as SqliteStoreOptions);
    case 'redis':
      return openRedisStore(opts as RedisStoreOptions | undefined);
    case 'tiered': {
      const o = opts as TieredOpenOptions | undefined;
      if (!o?.sqlite) throw new InvalidArgumentError("openStore('tiered') needs { sqlite: { path }, redis?: {...} }.", 'sqlite');
      const archive = await openSqliteStore(o.sqlite);
      try {
        return await openTieredStore({ archive, cache: await openRedisStore(o.redis) });
      } catch (e) {
        await archive.close();
        throw e;
      }
    }
    default:
      throw new InvalidArgumentError(`Unknown store kind ${JSON.stringify(kind)}: use 'sqlite', 'redis' or 'tiered'.`, 'kind');
  }
}
