/**
 * What the lab (the parent process) and its session processes say to each
 * other: the store configuration on the child's command line, and one JSON
 * event per line on the child's stdout.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_REDIS_URL } from '../../modules/persistence/reference/index.ts';
import { DEFAULTS, providers, storeKinds, type Provider, type StoreKind } from './options.ts';

export type Phase = 'chat' | 'resume';
export const phases: readonly Phase[] = ['chat', 'resume'];

/** Where the conversation is kept. Every path is absolute by the time a child sees it. */
export interface StoreConfig {
  kind: StoreKind;
  /** The SQLite file (sqlite, and the tiered store's archive); null for redis. */
  db: string | null;
  /** Redis (redis, and the tiered store's cache); null for sqlite. */
  redis: { url: string; prefix: string; ttlSeconds: number } | null;
}

export interface ChildConfig {
  phase: Phase;
  store: StoreConfig;
  provider: Provider;
  speed: number;
  /** resume: the session to continue. */
  session: string | null;
}

export interface StoredRef {
  seq: number;
  role: 'user' | 'assistant';
  tokens: number | null;
}

export type SessionEvent =
  | { event: 'start'; phase: Phase; pid: number; ppid: number }
  | { event: 'opened'; ms: number }
  | { event: 'session'; id: string; created: boolean; systemPrompt: string }
  | {
      event: 'loaded';
      messages: number;
      turns: number;
      firstSeq: number | null;
      lastSeq: number | null;
      ms: number;
      /** tiered only: did Redis still hold the session, or was it read from the SQLite archive (and put back in Redis)? */
      source: 'store' | 'cache' | 'archive';
    }
  | { event: 'restored'; turnCount: number }
  | {
      event: 'turn';
      turn: number;
      input: string;
      reply: string;
      /** Messages in the request (the system prompt not counted). */
      messagesSent: number;
      usage: { input: number; output: number };
      /** What the store handed back from saveTurn: the seq numbers it assigned. */
      stored: StoredRef[];
      ms: number;
    }
  | { event: 'contrast'; input: string; reply: string; messagesSent: number }
  | { event: 'done' }
  | { event: 'error'; name: string; code: string | null; message: string };

/** The child's command line (after the script path), from its configuration. */
export function childArgs(c: ChildConfig): string[] {
  const args = [c.phase, '--store', c.store.kind, '--provider', c.provider, '--speed', String(c.speed)];
  if (c.store.db !== null) args.push('--db', c.store.db);
  if (c.store.redis !== null) {
    // The URL goes in the child's environment (REDIS_URL), not on its command line: it may hold a password.
    args.push('--prefix', c.store.redis.prefix, '--ttl', String(c.store.redis.ttlSeconds));
  }
  if (c.session !== null) args.push('--session', c.session);
  return args;
}

/** The inverse of childArgs (the Redis URL comes from REDIS_URL). Throws on anything it does not understand. */
export function parseChildArgs(argv: string[]): ChildConfig {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      store: { type: 'string' },
      provider: { type: 'string' },
      speed: { type: 'string' },
      db: { type: 'string' },
      prefix: { type: 'string' },
      ttl: { type: 'string' },
      session: { type: 'string' },
    },
  });
  const phase = positionals[0] as Phase;
  if (positionals.length !== 1 || !phases.includes(phase)) throw new Error(`first argument must be one of ${phases.join(', ')}`);
  const kind = (values.store ?? DEFAULTS.store) as StoreKind;
  if (!storeKinds.includes(kind)) throw new Error(`--store must be one of ${storeKinds.join(', ')}`);
  const provider = (values.provider ?? DEFAULTS.provider) as Provider;
  if (!providers.includes(provider)) throw new Error(`--provider must be one of ${providers.join(', ')}`);
  const speed = Number(values.speed ?? DEFAULTS.speed);
  if (!Number.isFinite(speed) || speed < 0) throw new Error('--speed must be a number >= 0');
  const needsDb = kind !== 'redis';
  const needsRedis = kind !== 'sqlite';
  if (needsDb && !values.db) throw new Error(`--store ${kind} needs --db`);
  const ttlSeconds = Number(values.ttl ?? DEFAULTS.ttlSeconds);
  if (needsRedis && (values.prefix === undefined || !(ttlSeconds > 0))) {
    throw new Error(`--store ${kind} needs --prefix and a positive --ttl`);
  }
  if (phase === 'resume' && !values.session) throw new Error('resume needs --session');
  return {
    phase,
    provider,
    speed,
    session: values.session ?? null,
    store: {
      kind,
      db: needsDb ? (values.db ?? null) : null,
      redis: needsRedis ? { url: process.env.REDIS_URL ?? DEFAULT_REDIS_URL, prefix: values.prefix ?? '', ttlSeconds } : null,
    },
  };
}

/** One line of a child's stdout: an event, or null for anything else (a stray log line). */
export function parseEvent(line: string): SessionEvent | null {
  if (!line.startsWith('{')) return null;
  try {
    const value = JSON.parse(line) as { event?: unknown };
    return typeof value.event === 'string' ? (value as SessionEvent) : null;
  } catch {
    return null;
  }
}
