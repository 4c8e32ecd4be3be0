/**
 * The milestone server's settings: one place for the defaults, the flags, the
 * environment variables and the --help text. Kept free of heavy imports so
 * `--help` answers at once. Precedence: flag, then environment, then default.
 */
import path from 'node:path';
import { UsageError, choiceOption, numberOption, type CommandSpec } from '../../../scripts/lib/cli.ts';

export const STORE_KINDS = ['sqlite', 'redis', 'tiered'] as const;
export const PROVIDERS = ['sim', 'anthropic', 'openai'] as const;
export const WIRES = ['anthropic', 'openai'] as const;
export const CONTEXT_STRATEGIES = ['window', 'summary', 'none'] as const;
export const DISCONNECT_POLICIES = ['finish', 'abort'] as const;

export type StoreKind = (typeof STORE_KINDS)[number];
export type ProviderName = (typeof PROVIDERS)[number];
export type Wire = (typeof WIRES)[number];
export type ContextStrategyName = (typeof CONTEXT_STRATEGIES)[number];
export type DisconnectPolicy = (typeof DISCONNECT_POLICIES)[number];

/**
 * Node flags the server runs with (`npm run serve` passes them; the server bench's child too).
 * - A young generation of 8 MB semi-spaces instead of V8's 16: with many streams open, every token
 *   leaves a short-lived chain of promises per stream, and what a scavenge copies (so how long it
 *   pauses every stream) grows with the young generation. V8 rounds the size to a power of two
 *   (6 acts as 8, 12 as 16).
 * - After each full collection, the old generation may grow to 4x what survived before the next
 *   (V8 chose 1.2-2.2x in the bench). An open stream's state outlives two scavenges and moves to
 *   the old generation, so a wave of new streams filled a tight limit and brought on full
 *   collections, each pausing every stream, while it arrived. Fewer full collections, a larger heap.
 * The measurements are in the milestone README ("The collector's young generation" and "... and
 * its old generation").
 */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=8', '--heap-growing-percent=300'] as const;

/** The limits of the API contract (README, "Limits"). */
export const LIMITS = {
  /** The whole request body. Over it: 413 body_too_large. */
  maxBodyBytes: 1024 * 1024,
  /** `message`, in bytes of UTF-8. Over it: 413 message_too_long. */
  maxMessageBytes: 64 * 1024,
  /** `system_prompt`, in bytes of UTF-8. Over it: 413 system_prompt_too_long. */
  maxSystemPromptBytes: 64 * 1024,
} as const;

export interface ServerConfig {
  /** Loopback only. */
  host: string;
  /** 0 picks a free port. */
  port: number;
  store: StoreKind;
  /** SQLite lives at <dataDir>/milestone.db. */
  dataDir: string;
  redisUrl: string;
  redisPrefix: string;
  redisTtlSeconds: number;
  provider: ProviderName;
  /** provider 'sim': an HTTP simulator (npm run provider) instead of the in-process one. */
  simUrl: string | null;
  /** provider 'sim': which wire format to speak to the simulator. */
  simWire: Wire;
  /** In-process simulator only: 1 = the providers' real pace, 0 = instant. */
  simSpeed: number;
  /** Default: per provider (claude-sonnet-4-6, gpt-4o). */
  model: string | null;
  /** The cheap model that writes summaries. Default: claude-haiku-4-5, gpt-4o-mini. */
  summaryModel: string | null;
  /** The reply's token limit. */
  maxTokens: number;
  contextStrategy: ContextStrategyName;
  /** Above this many tokens of history, the window (or summary) takes over. */
  contextMaxTokens: number;
  /** How many turns the window keeps, the current one included. */
  contextKeepTurns: number;
  onDisconnect: DisconnectPolicy;
  /** A stream that sends nothing for this long is cancelled (an error event says so). */
  stallTimeoutMs: number;
  /** On SIGINT/SIGTERM: how long running replies get to finish before they are cut (and saved, marked interrupted). */
  shutdownGraceMs: number;
  quiet: boolean;
}

export const DEFAULTS: ServerConfig = {
  host: '127.0.0.1',
  port: 8000,
  store: 'sqlite',
  dataDir: './data',
  redisUrl: 'redis://127.0.0.1:6379',
  redisPrefix: 'milestone:',
  redisTtlSeconds: 7 * 24 * 3600,
  provider: 'sim',
  simUrl: null,
  simWire: 'anthropic',
  simSpeed: 1,
  model: null,
  summaryModel: null,
  maxTokens: 1024,
  contextStrategy: 'window',
  contextMaxTokens: 50_000,
  contextKeepTurns: 10,
  onDisconnect: 'finish',
  stallTimeoutMs: 60_000,
  shutdownGraceMs: 5_000,
  quiet: false,
};

export const MODELS: Record<Wire, { chat: string; cheap: string }> = {
  anthropic: { chat: 'claude-sonnet-4-6', cheap: 'claude-haiku-4-5' },
  openai: { chat: 'gpt-4o', cheap: 'gpt-4o-mini' },
};

/** Flag name, environment variable, help text. The one table --help, the README and configFrom read. */
const SETTINGS = [
  ['port', 'PORT', '<n>', `port on 127.0.0.1 (default ${DEFAULTS.port}; 0 picks a free one)`],
  ['store', 'STORE', '<kind>', 'sqlite (default), redis, or tiered (Redis in front of SQLite)'],
  ['data-dir', 'DATA_DIR', '<dir>', `where SQLite keeps milestone.db (default ${DEFAULTS.dataDir})`],
  ['redis-url', 'REDIS_URL', '<url>', `Redis for --store redis|tiered (default ${DEFAULTS.redisUrl})`],
  ['redis-prefix', 'REDIS_PREFIX', '<p>', `key prefix in Redis (default ${DEFAULTS.redisPrefix})`],
  ['redis-ttl', 'REDIS_TTL', '<s>', 'seconds an idle session lives in Redis (default 604800, a week)'],
  ['provider', 'PROVIDER', '<name>', 'sim (default: the offline simulator), anthropic or openai (needs ANTHROPIC_API_KEY / OPENAI_API_KEY)'],
  ['sim-url', 'SIM_URL', '<url>', 'use a simulator over HTTP (npm run provider) instead of the in-process one'],
  ['sim-wire', 'SIM_WIRE', '<wire>', 'speak anthropic (default) or openai to the simulator'],
  ['sim-speed', 'SIM_SPEED', '<x>', 'in-process simulator pace: 1 = real (default), 0 = instant'],
  ['model', 'MODEL', '<name>', 'chat model (default claude-sonnet-4-6, or gpt-4o for openai)'],
  ['summary-model', 'SUMMARY_MODEL', '<name>', 'cheap model for --context-strategy summary (default claude-haiku-4-5 / gpt-4o-mini)'],
  ['max-tokens', 'MAX_TOKENS', '<n>', `reply token limit (default ${DEFAULTS.maxTokens})`],
  ['context-strategy', 'CONTEXT_STRATEGY', '<s>', 'window (default), summary, or none'],
  ['context-max-tokens', 'CONTEXT_MAX_TOKENS', '<n>', `history size at which the strategy takes over (default ${DEFAULTS.contextMaxTokens})`],
  ['context-keep-turns', 'CONTEXT_KEEP_TURNS', '<n>', `turns the window keeps, the current one included (default ${DEFAULTS.contextKeepTurns})`],
  ['on-disconnect', 'ON_DISCONNECT', '<p>', 'finish (default: finish and store the reply) or abort (stop upstream, store the partial reply marked interrupted)'],
  ['stall-timeout-ms', 'STALL_TIMEOUT_MS', '<ms>', `cancel a reply when the provider sends nothing for this long (default ${DEFAULTS.stallTimeoutMs})`],
  ['shutdown-grace-ms', 'SHUTDOWN_GRACE_MS', '<ms>', `on SIGINT/SIGTERM, time for running replies to finish (default ${DEFAULTS.shutdownGraceMs})`],
] as const;

type SettingName = (typeof SETTINGS)[number][0];
type Options = Record<SettingName, { type: 'string' }> & { quiet: { type: 'boolean' } };

export const COMMAND: CommandSpec<Options> = {
  name: 'serve',
  summary: 'the milestone chat API (streaming, sessions, context window, persistence) and its web page, on 127.0.0.1',
  usage: 'npm run serve -- [options]      (every option also reads the environment variable shown)',
  options: { ...(Object.fromEntries(SETTINGS.map(([flag]) => [flag, { type: 'string' }])) as Record<SettingName, { type: 'string' }>), quiet: { type: 'boolean' } },
  help: [...SETTINGS.map(([flag, env, arg, text]): [string, string] => [`--${flag} ${arg}`, `${text} [${env}]`]), ['--quiet', 'no request log [QUIET=1]']],
  examples: [
    'npm run serve                                          # http://127.0.0.1:8000, SQLite in ./data, simulator in-process',
    'npm run serve -- --port 8080 --store redis',
    'CONTEXT_MAX_TOKENS=4000 npm run serve                  # see the window take over after a few turns',
    'npm run provider -- --port 8787 & npm run serve -- --sim-url http://127.0.0.1:8787',
    'ANTHROPIC_API_KEY=... npm run serve -- --provider anthropic',
  ],
};

type Values = Partial<Record<SettingName, string>> & { quiet?: boolean };

/** Build the configuration from parsed flags and the environment. Throws UsageError with the flag's name. */
export function configFrom(values: Values, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const pick = (name: SettingName): string | undefined => {
    const envName = SETTINGS.find(([flag]) => flag === name)?.[1] ?? '';
    const v = values[name] ?? env[envName];
    return v === '' ? undefined : v;
  };
  const int = (name: SettingName, fallback: number, min: number, max = Number.POSITIVE_INFINITY) => {
    const n = numberOption(pick(name), `--${name}`, fallback, { min, max });
    if (!Number.isSafeInteger(n)) throw new UsageError(`--${name} must be a whole number; got "${pick(name)}"`);
    return n;
  };
  const simUrl = pick('sim-url') ?? null;
  if (simUrl !== null) checkLoopbackUrl(simUrl, '--sim-url');
  return {
    host: DEFAULTS.host,
    port: int('port', DEFAULTS.port, 0, 65535),
    store: choiceOption(pick('store'), '--store', STORE_KINDS, DEFAULTS.store),
    dataDir: path.resolve(pick('data-dir') ?? DEFAULTS.dataDir),
    redisUrl: pick('redis-url') ?? DEFAULTS.redisUrl,
    redisPrefix: pick('redis-prefix') ?? DEFAULTS.redisPrefix,
    redisTtlSeconds: int('redis-ttl', DEFAULTS.redisTtlSeconds, 1),
    provider: choiceOption(pick('provider'), '--provider', PROVIDERS, DEFAULTS.provider),
    simUrl,
    simWire: choiceOption(pick('sim-wire'), '--sim-wire', WIRES, DEFAULTS.simWire),
    simSpeed: numberOption(pick('sim-speed'), '--sim-speed', DEFAULTS.simSpeed, { min: 0, max: 100 }),
    model: pick('model') ?? null,
    summaryModel: pick('summary-model') ?? null,
    maxTokens: int('max-tokens', DEFAULTS.maxTokens, 1, 1_000_000),
    contextStrategy: choiceOption(pick('context-strategy'), '--context-strategy', CONTEXT_STRATEGIES, DEFAULTS.contextStrategy),
    contextMaxTokens: int('context-max-tokens', DEFAULTS.contextMaxTokens, 100),
    contextKeepTurns: int('context-keep-turns', DEFAULTS.contextKeepTurns, 1),
    onDisconnect: choiceOption(pick('on-disconnect'), '--on-disconnect', DISCONNECT_POLICIES, DEFAULTS.onDisconnect),
    stallTimeoutMs: int('stall-timeout-ms', DEFAULTS.stallTimeoutMs, 100),
    shutdownGraceMs: int('shutdown-grace-ms', DEFAULTS.shutdownGraceMs, 0),
    quiet: values.quiet ?? (env.QUIET === '1' || env.QUIET === 'true'),
  };
}

/** Nothing here may reach the internet by accident: the simulator must be on this machine. */
function checkLoopbackUrl(value: string, flag: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${flag} must be a URL like http://127.0.0.1:8787; got "${value}"`);
  }
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    throw new UsageError(`${flag} must point at this machine (127.0.0.1, localhost or [::1]); got "${url.hostname}"`);
  }
}
