/**
 * The persistence module's public API: one SessionStore interface and three
 * backends (SQLite, Redis, Redis in front of SQLite).
 */
export * from '../given/types.ts';
export * from '../given/errors.ts';
export * from './validate.ts';
export { lastTurnsStart, sliceLastTurns, totalsOf, type Totals } from '../given/turns.ts';
export { MIGRATIONS, SCHEMA_VERSION, migrate, openDatabase, type Migration, type MigrationResult, type OpenDatabaseOptions } from './sqlite-schema.ts';
export { SqliteStore, openSqliteStore, type SqliteStoreOptions } from './sqlite-store.ts';
export { DEFAULT_REDIS_URL, connectRedis, closeRedis, toStoreError, guardRedis, redactUrl, type RedisConnectionOptions } from './redis-connection.ts';
export { RedisStore, openRedisStore, sessionKeys, type RedisStoreOptions, type SessionKeys } from './redis-store.ts';
export { TieredStore, openTieredStore, type TieredStoreOptions } from './tiered-store.ts';
export { openStore, type StoreKind, type TieredOpenOptions } from './open-store.ts';
