/**
 * Exercise "redis-store": the SessionStore on Redis (ioredis).
 *
 * Each session is four keys under one prefix, all with the same TTL, which
 * every write refreshes inside the same atomic operation: the session expires
 * as a whole, never half. A session id index (a sorted set) serves
 * listSessions.
 *
 * The Lua scripts in redis-scripts.ts are provided: read them first. They
 * define what goes in each key and do the check-then-write steps atomically
 * (CREATE, APPEND, READ, CLEAR). Your part: the key names, the arguments,
 * decoding the replies into the store's types and errors, deleteSession with
 * MULTI, listSessions, and the connection (redis-connection.ts).
 *
 * Run its tests: LAB_TARGET=exercises npx vitest run modules/persistence -t redis-store
 */
import type { Redis } from 'ioredis';
import { todo } from '../../shared/not-implemented.ts';
import type { RedisConnectionOptions } from './redis-connection.ts';
import type {
  ApplyResult,
  CreateSessionOptions,
  ListSessionsOptions,
  LoadHistoryOptions,
  NewMessage,
  SaveTurnOptions,
  SessionCache,
  SessionInfo,
  SessionSnapshot,
  StoredMessage,
} from '../given/types.ts';
// You will want: the scripts and runScript (./redis-scripts.ts), connectRedis, closeRedis and
// guardRedis (./redis-connection.ts), the validators (./validate.ts), totalsOf, byRecency and
// lastSeqOf (./turns.ts), the errors (./errors.ts), randomUUID (node:crypto).

export interface RedisStoreOptions extends RedisConnectionOptions {
  /** Every key the store writes starts with this. Default 'chat:'. */
  prefix?: string;
  /** A session expires this long after its last write. Default 3600 (one hour). */
  ttlSeconds?: number;
}

export interface SessionKeys {
  meta: string;
  msgs: string;
  turns: string;
  idem: string;
  index: string;
}

/** The key layout, e.g. `${prefix}session:${id}:meta`, ... and `${prefix}sessions` for the index. */
export function sessionKeys(prefix: string, id: string): SessionKeys {
  todo('redis-store');
}

export class RedisStore implements SessionCache {
  readonly ttlMs: number;

  constructor(
    private readonly client: Redis,
    readonly prefix: string,
    ttlSeconds: number,
  ) {
    this.ttlMs = Math.max(1, Math.round(ttlSeconds * 1000));
  }

  /** The CREATE script; it answers 0 when the id is taken (SessionExistsError). */
  async createSession(opts: CreateSessionOptions = {}): Promise<SessionInfo> {
    todo('redis-store');
  }

  /** HGETALL of the meta hash; an empty hash means no session. */
  async getSession(id: string): Promise<SessionInfo | null> {
    todo('redis-store');
  }

  async stats(sessionId: string): Promise<SessionInfo> {
    todo('redis-store');
  }

  /**
   * Validate first (prepareWrite), then one APPEND script call. Each message
   * goes as its role and its JSON without the opening '{' (the script puts
   * {"seq":N, in front). Decode the JSON strings it answers with.
   */
  async saveTurn(sessionId: string, messages: NewMessage[], opts: SaveTurnOptions = {}): Promise<StoredMessage[]> {
    todo('redis-store');
  }

  async appendMessage(sessionId: string, msg: NewMessage): Promise<StoredMessage> {
    todo('redis-store');
  }

  /** One READ script call: nil means no session. */
  async loadHistory(sessionId: string, opts: LoadHistoryOptions = {}): Promise<StoredMessage[]> {
    todo('redis-store');
  }

  /** Drop expired ids from the index, take the most recent ones, read their meta (a pipeline), skip the vanished. */
  async listSessions(opts: ListSessionsOptions = {}): Promise<SessionInfo[]> {
    todo('redis-store');
  }

  async clearSession(id: string): Promise<void> {
    todo('redis-store');
  }

  /** MULTI: delete the four keys and remove the id from the index together. */
  async deleteSession(id: string): Promise<boolean> {
    todo('redis-store');
  }

  /** For the tiered store (do these in the tiered-store exercise): the FILL script. */
  async fill(snapshot: SessionSnapshot): Promise<boolean> {
    todo('tiered-store');
  }

  /** For the tiered store: the APPLY script. */
  async apply(info: SessionInfo, messages: StoredMessage[]): Promise<ApplyResult> {
    todo('tiered-store');
  }

  /** For the tiered store: forget the cached copy. */
  async evict(id: string): Promise<void> {
    todo('tiered-store');
  }

  /** Later calls fail with StoreError('closed', ...); closing twice is fine. */
  async close(): Promise<void> {
    todo('redis-store');
  }
}

/** Check the options (InvalidArgumentError), connect (StoreUnavailableError if Redis cannot be reached), return the store. */
export async function openRedisStore(opts: RedisStoreOptions = {}): Promise<RedisStore> {
  todo('redis-store');
}
