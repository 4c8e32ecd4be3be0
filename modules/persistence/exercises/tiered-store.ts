/**
 * Exercise "tiered-store": Redis as a cache in front of SQLite as the archive.
 *
 * The archive is the truth: every write goes there first (it assigns seq and
 * answers retries), then to the cache. Reads come from the cache; a miss is
 * served from the archive and warms the cache. When the cache is unavailable
 * the store keeps working on the archive alone, and it never serves a cached
 * copy that may have missed a write (it evicts that copy once Redis is back).
 *
 * This exercise includes RedisStore's three cache methods (fill, apply,
 * evict) in redis-store.ts: the FILL and APPLY scripts are provided.
 *
 * Run its tests: LAB_TARGET=exercises npx vitest run modules/persistence -t tiered-store
 */
import { todo } from '../../shared/not-implemented.ts';
import type {
  CreateSessionOptions,
  ListSessionsOptions,
  LoadHistoryOptions,
  NewMessage,
  SaveTurnOptions,
  SessionCache,
  SessionInfo,
  SessionStore,
  StoredMessage,
} from '../given/types.ts';
// You will want: SessionNotFoundError and StoreUnavailableError (./errors.ts),
// sliceLastTurns (./turns.ts), validateSessionId and validateLastTurns (./validate.ts).

export interface TieredStoreOptions {
  /** Fast, may forget (TTL, eviction, outage): a RedisStore. */
  cache: SessionCache;
  /** Durable, the source of truth: a SqliteStore. The tiered store owns both and closes both. */
  archive: SessionStore;
}

export class TieredStore implements SessionStore {
  constructor(
    readonly cache: SessionCache,
    readonly archive: SessionStore,
  ) {}

  /** In the archive, then a fresh (empty) copy in the cache. */
  async createSession(opts: CreateSessionOptions = {}): Promise<SessionInfo> {
    todo('tiered-store');
  }

  /** Cache first; a miss warms the cache from the archive; Redis down: the archive. */
  async getSession(id: string): Promise<SessionInfo | null> {
    todo('tiered-store');
  }

  async stats(sessionId: string): Promise<SessionInfo> {
    todo('tiered-store');
  }

  /** Archive first, then offer the stored messages to the cache (apply); 'miss' or 'gap': refill it. */
  async saveTurn(sessionId: string, messages: NewMessage[], opts: SaveTurnOptions = {}): Promise<StoredMessage[]> {
    todo('tiered-store');
  }

  async appendMessage(sessionId: string, msg: NewMessage): Promise<StoredMessage> {
    todo('tiered-store');
  }

  /** Cache first; SessionNotFoundError from the cache: warm it from the archive; Redis down: the archive. */
  async loadHistory(sessionId: string, opts: LoadHistoryOptions = {}): Promise<StoredMessage[]> {
    todo('tiered-store');
  }

  /** From the archive: the cache holds only the recently used sessions. */
  async listSessions(opts: ListSessionsOptions = {}): Promise<SessionInfo[]> {
    todo('tiered-store');
  }

  async clearSession(id: string): Promise<void> {
    todo('tiered-store');
  }

  async deleteSession(id: string): Promise<boolean> {
    todo('tiered-store');
  }

  async close(): Promise<void> {
    todo('tiered-store');
  }
}

export async function openTieredStore(opts: TieredStoreOptions): Promise<TieredStore> {
  todo('tiered-store');
}
