/**
 * The lab's choices, defaults and conversation script. Kept free of heavy
 * imports so that `--help` answers without loading the SDKs, the stores or
 * the tokenizer, and so that the parent process and the two session
 * processes share one definition of what is said.
 */
import path from 'node:path';

export type StoreKind = 'sqlite' | 'redis' | 'tiered';
export type Provider = 'anthropic' | 'openai';

export const storeKinds: readonly StoreKind[] = ['sqlite', 'redis', 'tiered'];
export const providers: readonly Provider[] = ['anthropic', 'openai'];

/** The model each provider's adapter asks for (the simulator answers for any name). */
export const MODELS: Readonly<Record<Provider, string>> = {
  anthropic: 'claude-sonnet-4-6',
  openai: 'gpt-4o',
};

export const LAB_DIR = import.meta.dirname;
export const REPO_ROOT = path.resolve(LAB_DIR, '..', '..');
/** Under data/, which git ignores. */
export const DATA_DIR = path.join(REPO_ROOT, 'data', 'lab3');
export const DEFAULT_RESULTS_DIR = path.join(LAB_DIR, 'results');
export const RESULTS_FILE = 'lab3-session-store.json';

/** SQLite file per store kind: the tiered archive is kept apart from the plain SQLite store. */
export function defaultDbPath(store: StoreKind): string {
  return path.join(DATA_DIR, store === 'tiered' ? 'tiered-archive.db' : 'sessions.db');
}

/** Redis key prefix per store kind: the tiered cache has its own key space. */
export function defaultPrefix(store: StoreKind): string {
  return store === 'tiered' ? 'lab3:cache:' : 'lab3:';
}

export const DEFAULTS = {
  store: 'sqlite',
  provider: 'anthropic',
  speed: 0,
  /** Short on purpose: long enough to continue a session by hand, short enough to watch it expire. */
  ttlSeconds: 900,
  maxTokens: 200,
} as const satisfies { store: StoreKind; provider: Provider; speed: number; ttlSeconds: number; maxTokens: number };

// ------------------------------------------------------------------ the conversation

/** Turn 1 states two facts the synthetic model can only know if it is sent this message again. */
export const INTRO = 'My name is Meera and I work with PostgreSQL.';
/** Asked in turn 11, by the second process. */
export const QUESTION = 'What is my name and what do I work with?';

/** Turns 1-10, said by the first process. Nothing after turn 1 restates the facts. */
export const FIRST_TURNS: readonly string[] = [
  INTRO,
  'We are building a chat assistant for our support team.',
  'Where should the conversation history live so that a deploy does not wipe it?',
  'How do I keep the messages of one conversation in order?',
  'What belongs in the table that describes a conversation?',
  'Should the user message and the reply be written in one transaction?',
  'How would a retried request avoid storing the same turn twice?',
  'When does an expiry time on a conversation make sense?',
  'How many recent turns should be loaded for each request?',
  'Thanks, that is enough design for today.',
];

export const SYSTEM_PROMPT =
  'You are a concise assistant for engineers building chat applications. ' +
  "Keep track of the user's name and the technology they work with, and use them when relevant.";

/** The reply states both facts from turn 1. */
export function remembers(reply: string): boolean {
  return /\bMeera\b/.test(reply) && /\bPostgreSQL\b/.test(reply);
}

/** The reply says it does not know, and does not leak either fact. */
export function forgets(reply: string): boolean {
  return !/\bMeera\b/.test(reply) && !/\bPostgreSQL\b/.test(reply) && /don't know/i.test(reply);
}
