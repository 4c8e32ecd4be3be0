/**
 * Exercise "tiered-store": Redis as a cache in front of SQLite as the archive.
 *
 * The archive is the truth: every write goes there first (it assigns seq and
 * answers retries), then to the cache. Reads come from the cache; a miss is
 * served from the archive and warms the cache. When the cache is unavailable
 * the store keeps working on the archive alone, and it never serves a cached
 * copy that may have missed a write (it evicts that copy once Redis is back).
 */
import { SessionNotFoundError, StoreUnavailableError } from '../given/errors.ts';
import { sliceLastTurns } from '../given/turns.ts';
import type {
  CreateSessionOptions,
  ListSessionsOptions,
  LoadHistoryOptions,
  NewMessage,
  SaveTurnOptions,
  SessionCache,
  SessionInfo,
  SessionSnapshot,
  SessionStore,
  StoredMessage,
} from '../given/types.ts';
import { validateLastTurns, validateSessionId } from './validate.ts';

export interface TieredStoreOptions {
  /** Fast, may forget (TTL, eviction, outage): a RedisStore. */
  cache: SessionCache;
  /** Durable, the source of truth: a SqliteStore. The tiered store owns both and closes both. */
  archive: SessionStore;
}

function unavailable(e: unknown): boolean {
  return e instanceof StoreUnavailableError;
}

export class TieredStore implements SessionStore {
  /**
   * Sessions whose cached copy may be stale because a cache write failed.
   * Reads bypass the cache for them until the copy has been evicted.
   */
  private readonly suspect = new Set<string>();

  constructor(
    readonly cache: SessionCache,
    readonly archive: SessionStore,
  ) {}

  /** Can the cache be trusted for this session? Evicts a suspect copy first, if Redis answers. */
  private async cacheUsable(id: string): Promise<boolean> {
    if (!this.suspect.has(id)) return true;
    try {
      await this.cache.evict(id);
      this.suspect.delete(id);
      return true;
    } catch (e) {
      if (unavailable(e)) return false;
      throw e;
    }
  }

  /** A cache operation that may fail because Redis is down: remember the session as suspect, carry on. */
  private async toCache(id: string, op: () => Promise<unknown>): Promise<void> {
    try {
      await op();
    } catch (e) {
      this.suspect.add(id);
      if (!unavailable(e)) throw e;
    }
  }

  /** The whole session from the archive, info and messages consistent with each other (null: none). */
  private async snapshot(id: string): Promise<SessionSnapshot | null> {
    for (let attempt = 0; ; attempt++) {
      const info = await this.archive.getSession(id);
      if (!info) return null;
      const messages = await this.archive.loadHistory(id);
      const again = await this.archive.getSession(id);
      if (!again) return null;
      // A write landed between the reads: read again (after a few tries, accept: the next write repairs it).
      if (JSON.stringify(info) === JSON.stringify(again) || attempt >= 3) return { info: again, messages };
    }
  }

  /** Warm the cache from the archive; the snapshot, or null when the archive has no such session. */
  private async warm(id: string): Promise<SessionSnapshot | null> {
    const snap = await this.snapshot(id);
    if (snap) await this.toCache(id, () => this.cache.fill(snap));
    return snap;
  }

  async createSession(opts: CreateSessionOptions = {}): Promise<SessionInfo> {
    const info = await this.archive.createSession(opts);
    await this.toCache(info.id, async () => {
      await this.cache.evict(info.id); // a leftover copy of an older session with this id must not win
      await this.cache.fill({ info, messages: [] });
    });
    return info;
  }

  async getSession(id: string): Promise<SessionInfo | null> {
    validateSessionId(id);
    if (await this.cacheUsable(id)) {
      try {
        const cached = await this.cache.getSession(id);
        if (cached) return cached;
      } catch (e) {
        if (!unavailable(e)) throw e;
        return this.archive.getSession(id);
      }
      return (await this.warm(id))?.info ?? null;
    }
    return this.archive.getSession(id);
  }

  async stats(sessionId: string): Promise<SessionInfo> {
    const info = await this.getSession(sessionId);
    if (!info) throw new SessionNotFoundError(sessionId);
    return info;
  }

  async saveTurn(sessionId: string, messages: NewMessage[], opts: SaveTurnOptions = {}): Promise<StoredMessage[]> {
    const stored = await this.archive.saveTurn(sessionId, messages, opts);
    await this.writeThrough(sessionId, stored);
    return stored;
  }

  async appendMessage(sessionId: string, msg: NewMessage): Promise<StoredMessage> {
    const stored = await this.archive.appendMessage(sessionId, msg);
    await this.writeThrough(sessionId, [stored]);
    return stored;
  }

  /** Offer the archive's new messages to the cache; if its copy is missing or behind, refill it. */
  private async writeThrough(id: string, stored: StoredMessage[]): Promise<void> {
    if (!(await this.cacheUsable(id))) return;
    const info = await this.archive.getSession(id);
    if (!info) return; // deleted meanwhile
    await this.toCache(id, async () => {
      const result = await this.cache.apply(info, stored);
      if (result === 'miss' || result === 'gap') {
        const snap = await this.snapshot(id);
        if (snap) await this.cache.fill(snap);
      }
    });
  }

  async loadHistory(sessionId: string, opts: LoadHistoryOptions = {}): Promise<StoredMessage[]> {
    validateSessionId(sessionId);
    const lastTurns = validateLastTurns(opts.lastTurns);
    if (await this.cacheUsable(sessionId)) {
      try {
        return await this.cache.loadHistory(sessionId, { lastTurns });
      } catch (e) {
        if (unavailable(e)) return this.archive.loadHistory(sessionId, { lastTurns });
        if (!(e instanceof SessionNotFoundError)) throw e;
      }
      const snap = await this.warm(sessionId);
      if (!snap) throw new SessionNotFoundError(sessionId);
      return sliceLastTurns(snap.messages, lastTurns);
    }
    return this.archive.loadHistory(sessionId, { lastTurns });
  }

  /** From the archive: the cache holds only the recently used sessions. */
  async listSessions(opts: ListSessionsOptions = {}): Promise<SessionInfo[]> {
    return this.archive.listSessions(opts);
  }

  async clearSession(id: string): Promise<void> {
    await this.archive.clearSession(id);
    await this.toCache(id, () => this.cache.evict(id));
  }

  async deleteSession(id: string): Promise<boolean> {
    const deleted = await this.archive.deleteSession(id);
    await this.toCache(id, () => this.cache.evict(id));
    return deleted;
  }

  async close(): Promise<void> {
    const results = await Promise.allSettled([this.cache.close(), this.archive.close()]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

export async function openTieredStore(opts: TieredStoreOptions): Promise<TieredStore> {
  return new TieredStore(opts.cache, opts.archive);
}
