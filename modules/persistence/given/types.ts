/**
 * The shapes every session store speaks. Provided: not an exercise.
 *
 * A session is one conversation: a system prompt and an ordered list of
 * messages. A "turn" is a user message and everything that follows it up to
 * the next user message (usually one assistant reply).
 */

export type Role = 'user' | 'assistant';
export const ROLES: readonly Role[] = ['user', 'assistant'];

/** 'interrupted': the reply was cut off (client went away, stream error) and is kept as far as it got. */
export type MessageStatus = 'complete' | 'interrupted';
export const STATUSES: readonly MessageStatus[] = ['complete', 'interrupted'];

/** Token usage the provider reported for one call (assistant messages only). */
export interface Usage {
  input: number;
  output: number;
}

/** A message as the caller hands it to the store. */
export interface NewMessage {
  role: Role;
  content: string;
  /** Token count of this message, computed once at write time (the context window reads it later). */
  tokens?: number | null;
  /** What the provider billed for the call that produced this message (assistant only). */
  usage?: Usage | null;
  /** Default 'complete'. */
  status?: MessageStatus;
  /** Idempotency key chosen by the client; a retried write with the same key is not stored twice. */
  clientId?: string | null;
}

/** A NewMessage after validation: every field present, defaults filled in. */
export interface ValidMessage {
  role: Role;
  content: string;
  tokens: number | null;
  usage: Usage | null;
  status: MessageStatus;
  clientId: string | null;
}

/** A validated write: its messages and its idempotency key (null: not idempotent). */
export interface PreparedWrite {
  key: string | null;
  messages: ValidMessage[];
}

/** A message as the store hands it back. */
export interface StoredMessage {
  /** Position in the session: 1, 2, 3, ... Never reused, not even after clearSession. */
  seq: number;
  role: Role;
  content: string;
  /** ISO 8601, UTC. */
  createdAt: string;
  tokens: number | null;
  usage: Usage | null;
  status: MessageStatus;
  clientId: string | null;
}

export interface SessionInfo {
  id: string;
  systemPrompt: string;
  /** ISO 8601, UTC. */
  createdAt: string;
  /** ISO 8601, UTC: the last write (create, append, clear). */
  updatedAt: string;
  /** Number of user messages stored. */
  turns: number;
  /** Sum of usage.input over the stored messages. */
  tokensIn: number;
  /** Sum of usage.output over the stored messages. */
  tokensOut: number;
}

export interface CreateSessionOptions {
  /** Default: crypto.randomUUID(). Must match SESSION_ID_PATTERN. */
  id?: string;
  systemPrompt?: string;
}

export interface SaveTurnOptions {
  /** Idempotency key for the whole turn (default: the first message's clientId). */
  clientId?: string;
}

export interface LoadHistoryOptions {
  /** Only the last N turns (whole turns). Omit for the whole history; 0 returns []. */
  lastTurns?: number;
}

export interface ListSessionsOptions {
  /** Default 50, at most 1000. Most recently updated first. */
  limit?: number;
}

/** One interface, three backends: SQLite, Redis, and Redis in front of SQLite. */
export interface SessionStore {
  createSession(opts?: CreateSessionOptions): Promise<SessionInfo>;
  /** null when there is no such session. */
  getSession(id: string): Promise<SessionInfo | null>;
  /** Store one turn atomically: all its messages or none, never interleaved with another writer's. */
  saveTurn(sessionId: string, messages: NewMessage[], opts?: SaveTurnOptions): Promise<StoredMessage[]>;
  appendMessage(sessionId: string, msg: NewMessage): Promise<StoredMessage>;
  loadHistory(sessionId: string, opts?: LoadHistoryOptions): Promise<StoredMessage[]>;
  listSessions(opts?: ListSessionsOptions): Promise<SessionInfo[]>;
  /** Like getSession, but throws SessionNotFoundError. */
  stats(sessionId: string): Promise<SessionInfo>;
  /** Remove the messages, keep the session and its system prompt. */
  clearSession(id: string): Promise<void>;
  /** true if there was a session to delete. */
  deleteSession(id: string): Promise<boolean>;
  close(): Promise<void>;
}

/** A whole session, as the archive hands it to the cache. */
export interface SessionSnapshot {
  info: SessionInfo;
  messages: StoredMessage[];
}

/**
 * What happened when a cache was offered messages the archive just stored:
 * applied (appended), stale (it already had them), miss (it does not hold the
 * session), gap (it holds an older copy that is missing messages in between).
 */
export type ApplyResult = 'applied' | 'stale' | 'miss' | 'gap';

/** A store that can also serve as the cache in front of an archive. */
export interface SessionCache extends SessionStore {
  /** Replace the cached copy with the snapshot, unless the cache already holds a newer one (then false). */
  fill(snapshot: SessionSnapshot): Promise<boolean>;
  /** Append messages the archive stored (with their seq), if they follow on from what the cache holds. */
  apply(info: SessionInfo, messages: StoredMessage[]): Promise<ApplyResult>;
  /** Forget the cached copy (the archive keeps it). */
  evict(id: string): Promise<void>;
}

/** Session ids: letters, digits, '-' and '_', 1 to 128 characters (UUIDs fit). */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
/** Client ids: printable ASCII without spaces, 1 to 200 characters. */
export const CLIENT_ID_PATTERN = /^[\x21-\x7e]{1,200}$/;
/** Content limit: 256 KiB of UTF-8 per message (roughly 60k tokens of English). */
export const MAX_CONTENT_BYTES = 256 * 1024;
/** System prompt limit: the same as for a message. */
export const MAX_SYSTEM_PROMPT_BYTES = MAX_CONTENT_BYTES;
/** At most this many messages in one saveTurn. */
export const MAX_MESSAGES_PER_TURN = 64;
export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 1000;
