/**
 * Exercise "redis-store": the SessionStore on Redis (ioredis).
 *
 * Each session is four keys under one prefix, all with the same TTL, which
 * every write refreshes inside the same script (see redis-scripts.ts): the
 * session expires as a whole, never half. A session id index (a sorted set)
 * serves listSessions. Every call is one round trip except listSessions.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { InvalidArgumentError, SessionExistsError, SessionNotFoundError, StoreError } from '../given/errors.ts';
import { closeRedis, connectRedis, guardRedis, type RedisConnectionOptions } from './redis-connection.ts';
import { APPEND, APPLY, CLEAR, CREATE, FILL, READ, runScript } from '../given/redis-scripts.ts';
import { byRecency, lastSeqOf, nowIso, totalsOf } from '../given/turns.ts';
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
  ValidMessage,
} from '../given/types.ts';
import { prepareWrite, validateLastTurns, validateListLimit, validateSessionId, validateSystemPrompt } from './validate.ts';

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

/** The key layout: in the order the scripts expect their KEYS. */
export function sessionKeys(prefix: string, id: string): SessionKeys {
  const base = `${prefix}session:${id}`;
  return { meta: `${base}:meta`, msgs: `${base}:msgs`, turns: `${base}:turns`, idem: `${base}:idem`, index: `${prefix}sessions` };
}

function keyList(k: SessionKeys): string[] {
  return [k.meta, k.msgs, k.turns, k.idem, k.index];
}

function toInfo(h: Record<string, string>): SessionInfo | null {
  if (!h.id) return null;
  return {
    id: h.id,
    systemPrompt: h.systemPrompt ?? '',
    createdAt: h.createdAt,
    updatedAt: h.updatedAt,
    turns: Number(h.turns ?? 0),
    tokensIn: Number(h.tokensIn ?? 0),
    tokensOut: Number(h.tokensOut ?? 0),
  };
}

/** A message as stored in the list, without seq (the append script adds it). */
function encodeBody(m: ValidMessage, createdAt: string): string {
  return JSON.stringify({ role: m.role, content: m.content, createdAt, tokens: m.tokens, usage: m.usage, status: m.status, clientId: m.clientId });
}

/** A stored message as the cache keeps it (seq included). */
function encodeStored(m: StoredMessage): string {
  const { seq, role, content, createdAt, tokens, usage, status, clientId } = m;
  return JSON.stringify({ seq, role, content, createdAt, tokens, usage, status, clientId });
}

function decode(json: unknown): StoredMessage {
  if (typeof json !== 'string') throw new Error(`Unexpected reply from Redis: ${String(json)}`);
  const m = JSON.parse(json) as StoredMessage;
  return {
    seq: m.seq,
    role: m.role,
    content: m.content,
    createdAt: m.createdAt,
    tokens: m.tokens ?? null,
    usage: m.usage ?? null,
    status: m.status,
    clientId: m.clientId ?? null,
  };
}

export class RedisStore implements SessionCache {
  private closed = false;
  readonly ttlMs: number;

  constructor(
    private readonly client: Redis,
    readonly prefix: string,
    ttlSeconds: number,
  ) {
    this.ttlMs = Math.max(1, Math.round(ttlSeconds * 1000));
  }

  private keys(id: string): SessionKeys {
    return sessionKeys(this.prefix, id);
  }

  /** Refuse after close; translate connection trouble into StoreUnavailableError. */
  private op<T>(doing: string, fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new StoreError('closed', 'This Redis store has been closed.'));
    return guardRedis(doing, fn);
  }

  async createSession(opts: CreateSessionOptions = {}): Promise<SessionInfo> {
    const id = opts.id === undefined ? randomUUID() : validateSessionId(opts.id, 'id');
    const systemPrompt = validateSystemPrompt(opts.systemPrompt);
    const now = new Date();
    const iso = now.toISOString();
    const created = await this.op('create session', () =>
      runScript(this.client, CREATE, keyList(this.keys(id)), [this.ttlMs, now.getTime(), id, systemPrompt, iso]),
    );
    if (created !== 1) throw new SessionExistsError(id);
    return { id, systemPrompt, createdAt: iso, updatedAt: iso, turns: 0, tokensIn: 0, tokensOut: 0 };
  }

  async getSession(id: string): Promise<SessionInfo | null> {
    validateSessionId(id);
    return toInfo(await this.op('read session', () => this.client.hgetall(this.keys(id).meta)));
  }

  async stats(sessionId: string): Promise<SessionInfo> {
    const info = await this.getSession(sessionId);
    if (!info) throw new SessionNotFoundError(sessionId);
    return info;
  }

  async saveTurn(sessionId: string, messages: NewMessage[], opts: SaveTurnOptions = {}): Promise<StoredMessage[]> {
    validateSessionId(sessionId);
    const w = prepareWrite(messages, opts.clientId);
    const now = new Date();
    const iso = now.toISOString();
    const t = totalsOf(w.messages);
    const perMessage = w.messages.flatMap((m) => [m.role, encodeBody(m, iso).slice(1)]);
    const reply = await this.op('save turn', () =>
      runScript(this.client, APPEND, keyList(this.keys(sessionId)), [
        this.ttlMs, now.getTime(), sessionId, iso, w.key ?? '', w.messages.length, t.turns, t.tokensIn, t.tokensOut, ...perMessage,
      ]),
    );
    if (!Array.isArray(reply) || reply[0] === 'missing') throw new SessionNotFoundError(sessionId);
    return reply.slice(1).map(decode);
  }

  async appendMessage(sessionId: string, msg: NewMessage): Promise<StoredMessage> {
    const [stored] = await this.saveTurn(sessionId, [msg]);
    return stored;
  }

  async loadHistory(sessionId: string, opts: LoadHistoryOptions = {}): Promise<StoredMessage[]> {
    validateSessionId(sessionId);
    const lastTurns = validateLastTurns(opts.lastTurns);
    const k = this.keys(sessionId);
    const reply = await this.op('load history', () => runScript(this.client, READ, [k.meta, k.msgs, k.turns], [lastTurns ?? '']));
    if (!Array.isArray(reply)) throw new SessionNotFoundError(sessionId);
    return reply.map(decode);
  }

  async listSessions(opts: ListSessionsOptions = {}): Promise<SessionInfo[]> {
    const limit = validateListLimit(opts.limit);
    const index = `${this.prefix}sessions`;
    return this.op('list sessions', async () => {
      await this.client.zremrangebyscore(index, '-inf', `(${Date.now() - this.ttlMs}`);
      const ids = await this.client.zrevrange(index, 0, limit - 1);
      if (ids.length === 0) return [];
      const pipe = this.client.pipeline();
      for (const id of ids) pipe.hgetall(this.keys(id).meta);
      const replies = (await pipe.exec()) ?? [];
      const infos: SessionInfo[] = [];
      for (const [err, h] of replies) {
        if (err) throw err;
        const info = toInfo(h as Record<string, string>);
        if (info) infos.push(info); // expired between the two reads
      }
      return infos.sort(byRecency);
    });
  }

  async clearSession(id: string): Promise<void> {
    validateSessionId(id);
    const now = new Date();
    const done = await this.op('clear session', () =>
      runScript(this.client, CLEAR, keyList(this.keys(id)), [this.ttlMs, now.getTime(), id, now.toISOString()]),
    );
    if (done !== 1) throw new SessionNotFoundError(id);
  }

  async deleteSession(id: string): Promise<boolean> {
    validateSessionId(id);
    const k = this.keys(id);
    // MULTI: the keys and the index entry go together.
    const replies = await this.op('delete session', () => this.client.multi().del(k.meta, k.msgs, k.turns, k.idem).zrem(k.index, id).exec());
    const [err, deleted] = replies?.[0] ?? [null, 0];
    if (err) throw err;
    return Number(deleted) > 0;
  }

  async fill(snapshot: SessionSnapshot): Promise<boolean> {
    const { info, messages } = snapshot;
    validateSessionId(info.id);
    const perMessage = messages.flatMap((m) => [m.role, encodeStored(m)]);
    const done = await this.op('fill cache', () =>
      runScript(this.client, FILL, keyList(this.keys(info.id)), [
        this.ttlMs, Date.now(), info.id, info.systemPrompt, info.createdAt, info.updatedAt,
        info.turns, info.tokensIn, info.tokensOut, lastSeqOf(messages), ...perMessage,
      ]),
    );
    return done === 1;
  }

  async apply(info: SessionInfo, messages: StoredMessage[]): Promise<ApplyResult> {
    validateSessionId(info.id);
    if (messages.length === 0) return 'stale';
    const perMessage = messages.flatMap((m) => [m.role, encodeStored(m)]);
    const result = await this.op('update cache', () =>
      runScript(this.client, APPLY, keyList(this.keys(info.id)), [
        this.ttlMs, Date.now(), info.id, info.updatedAt, info.turns, info.tokensIn, info.tokensOut,
        messages[0].seq, lastSeqOf(messages), ...perMessage,
      ]),
    );
    return result as ApplyResult;
  }

  async evict(id: string): Promise<void> {
    await this.deleteSession(id);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await closeRedis(this.client);
  }
}

/** Connect (StoreUnavailableError if Redis cannot be reached) and return the store. */
export async function openRedisStore(opts: RedisStoreOptions = {}): Promise<RedisStore> {
  const prefix = opts.prefix ?? 'chat:';
  if (typeof prefix !== 'string') throw new InvalidArgumentError('prefix must be a string.', 'prefix');
  const ttlSeconds = opts.ttlSeconds ?? 3600;
  if (typeof ttlSeconds !== 'number' || !Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    throw new InvalidArgumentError('ttlSeconds must be a positive number.', 'ttlSeconds');
  }
  return new RedisStore(await connectRedis(opts), prefix, ttlSeconds);
}
