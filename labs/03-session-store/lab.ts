import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import {
  DEFAULT_REDIS_URL,
  TieredStore,
  closeRedis,
  connectRedis,
  redactUrl,
  sessionKeys,
  type SessionInfo,
  type StoredMessage,
} from '../../modules/persistence/reference/index.ts';
import {
  DEFAULTS,
  FIRST_TURNS,
  LAB_DIR,
  MODELS,
  QUESTION,
  REPO_ROOT,
  RESULTS_FILE,
  defaultDbPath,
  defaultPrefix,
  forgets,
  remembers,
  type Provider,
  type StoreKind,
} from './options.ts';
import { childArgs, parseEvent, type ChildConfig, type Phase, type SessionEvent, type StoreConfig, type StoredRef } from './protocol.ts';
import { describeStore, openLabStore } from './store.ts';

/**
 * Lab 3: a persistent session store, end to end.
 *
 *   Process 1  a new Node process: 10 turns through a ConversationManager whose
 *              onTurn saves each completed turn in the store; then it exits.
 *   Process 2  another new Node process: loadHistory, restore the manager,
 *              ask turn 11; the model still knows what turn 1 said. Then the
 *              contrast: a fresh manager that skips the load does not.
 *   The store  this process opens the store after both have exited and shows
 *              what is in it: sessions, messages with seq/role/status/tokens,
 *              stats, and for Redis the keys and their TTL.
 *
 * Everything runs against the offline provider simulator, in the children.
 */

export { DEFAULTS, FIRST_TURNS, MODELS, QUESTION, providers, storeKinds, type Provider, type StoreKind } from './options.ts';

export interface LabOptions {
  store: StoreKind;
  provider: Provider;
  /** Simulator time in the session processes: 0 = instant, 1 = the providers' real pace. */
  speed: number;
  /** SQLite file (sqlite, and the tiered store's archive). Default: under data/lab3/. */
  db?: string;
  /** Redis (redis, tiered). Default: REDIS_URL, else redis://127.0.0.1:6379. */
  redisUrl?: string;
  /** Redis key prefix. Default 'lab3:' ('lab3:cache:' for the tiered store's cache). */
  prefix?: string;
  /** Redis: a session expires this long after its last write. */
  ttlSeconds: number;
  /** Continue this session instead of starting one: process 1 is skipped. */
  session?: string | null;
  /** Delete the session from the store at the end. */
  cleanup?: boolean;
  /** Where each line of output goes. Default: console.log. */
  write?: (line: string) => void;
  /** ANSI colour in the output. Default false. */
  colour?: boolean;
  /** Folder for the JSON results; null writes nothing. */
  resultsDir?: string | null;
}

export interface TurnRecord {
  turn: number;
  input: string;
  reply: string;
  /** Messages in the request (system prompt not counted): the history the model saw, plus the question. */
  messagesSent: number;
  /** What the provider billed for this call. */
  usage: { input: number; output: number };
  /** The seq numbers the store assigned to this turn's two messages. */
  stored: StoredRef[];
  ms: number;
}

export interface ProcessRecord {
  phase: Phase;
  pid: number | null;
  /** The pid of the process that started it: this lab. */
  ppid: number | null;
  exitCode: number | null;
  signal: string | null;
  /** The command line, as you could type it (paths relative to the repository). */
  command: string;
  /** From spawn to exit: Node start-up, imports, store, model calls. */
  wallMs: number;
  /** Opening the store (connection, schema check). */
  openMs: number | null;
}

export interface StoredMessageRecord {
  seq: number;
  role: 'user' | 'assistant';
  status: string;
  tokens: number | null;
  usage: { input: number; output: number } | null;
  createdAt: string;
  content: string;
}

export interface RedisKeyRecord {
  key: string;
  type: string;
  /** Entries: hash fields, list items, sorted-set members. */
  size: number;
  /** Seconds left; null when the key has no TTL or does not exist. */
  ttlSeconds: number | null;
}

export interface LabResult {
  schema: 'lab3-session-store/v1';
  completedAt: string;
  options: {
    store: StoreKind;
    provider: Provider;
    model: string;
    speed: number;
    db: string | null;
    redis: { url: string; prefix: string; ttlSeconds: number } | null;
    /** true: an existing session was continued (--session), so there was no process 1. */
    continued: boolean;
    cleanup: boolean;
  };
  session: { id: string; systemPrompt: string };
  processes: { lab: { pid: number }; first: ProcessRecord | null; second: ProcessRecord };
  /** Process 1's turns (null when continuing a session). */
  first: { turns: TurnRecord[] } | null;
  second: {
    loaded: { messages: number; turns: number; firstSeq: number | null; lastSeq: number | null; ms: number; source: 'store' | 'cache' | 'archive' };
    restoredTurnCount: number;
    turn: TurnRecord;
    remembered: boolean;
  };
  contrast: { question: string; reply: string; messagesSent: number; forgot: boolean };
  store: {
    description: string;
    /** listSessions: most recently updated first (up to 5). */
    sessions: SessionInfo[];
    stats: SessionInfo;
    /** loadHistory after both processes exited. */
    messages: StoredMessageRecord[];
    expectedTurns: number;
    sqlite: { file: string; bytes: number; walBytes: number } | null;
    redis: { keys: RedisKeyRecord[] } | null;
    /** Tiered: the Redis copy and the SQLite copy of the session, compared. */
    tiers: { cacheMessages: number; archiveMessages: number; agree: boolean } | null;
    /** --cleanup: the session was deleted after it was inspected. */
    deleted: boolean;
  };
  checks: {
    /** Process 2 was a different process from this lab and from process 1, and process 1 had exited (code 0) first. */
    newProcess: boolean;
    /** Process 2 loaded whole turns, restored them all, and sent them all with turn 11. */
    historyLoaded: boolean;
    /** Process 2's reply states what turn 1 said. */
    rememberedAfterRestart: boolean;
    /** A manager that skipped the load did not know. */
    statelessForgot: boolean;
    /** The store holds every turn: expectedTurns turns, twice as many messages. */
    storeComplete: boolean;
    /** Seq numbers contiguous and increasing, roles alternating, the content what was said, in the order it was said. */
    inOrder: boolean;
  };
  /** Remembered after a restart, and everything above held. */
  passed: boolean;
  files: string[];
}

type Style = 'red' | 'green' | 'yellow' | 'dim' | 'bold' | 'cyan';
const codes: Record<Style, number> = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1, cyan: 36 };

function clip(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length <= width ? flat : `${flat.slice(0, width - 3)}...`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const ms = (n: number) => (n < 10 ? `${n.toFixed(1)} ms` : `${Math.round(n)} ms`);
const seqRange = (refs: readonly { seq: number }[]) =>
  refs.length === 0 ? 'nothing' : refs.length === 1 ? `seq ${refs[0].seq}` : `seq ${refs[0].seq}-${refs[refs.length - 1].seq}`;

/** Paths as the learner would type them: relative to where they stand, when that is shorter. */
function shown(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

function bytes(n: number): string {
  return n < 1024 ? `${n} B` : `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KiB`;
}

interface ChildRun {
  record: ProcessRecord;
  events: SessionEvent[];
  error: Extract<SessionEvent, { event: 'error' }> | null;
  stderr: string;
}

const CHILD_SCRIPT = path.join(LAB_DIR, 'session-process.ts');

/** The child's command line as you could type it from where you stand. */
function commandLine(config: ChildConfig): string {
  return ['node', '--import', 'tsx', shown(CHILD_SCRIPT), ...childArgs(config).map((a) => (path.isAbsolute(a) ? shown(a) : a))].join(' ');
}

/** Start a session process, hand each event to onEvent as it arrives, resolve when it has exited. */
function runChild(config: ChildConfig, onEvent: (e: SessionEvent) => void, onStray: (line: string) => void): Promise<ChildRun> {
  const args = childArgs(config);
  const command = commandLine(config);
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD_SCRIPT, ...args], {
    cwd: REPO_ROOT,
    env: config.store.redis === null ? process.env : { ...process.env, REDIS_URL: config.store.redis.url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: SessionEvent[] = [];
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    const event = parseEvent(line);
    if (event === null) {
      if (line.trim()) onStray(line);
      return;
    }
    events.push(event);
    onEvent(event);
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    // 'close': the process has exited and its stdout has been read to the end.
    child.on('close', (code, signal) => {
      const start = events.find((e): e is Extract<SessionEvent, { event: 'start' }> => e.event === 'start');
      const opened = events.find((e): e is Extract<SessionEvent, { event: 'opened' }> => e.event === 'opened');
      resolve({
        record: {
          phase: config.phase,
          pid: start?.pid ?? child.pid ?? null,
          ppid: start?.ppid ?? null,
          exitCode: code,
          signal,
          command,
          wallMs: performance.now() - started,
          openMs: opened?.ms ?? null,
        },
        events,
        error: events.find((e): e is Extract<SessionEvent, { event: 'error' }> => e.event === 'error') ?? null,
        stderr,
      });
    });
  });
}

function childFailure(name: string, run: ChildRun, hint = ''): Error {
  const detail = run.error?.message ?? (run.stderr.trim().split('\n').slice(-5).join('\n') || 'no output');
  const how = run.record.signal ? `was killed by ${run.record.signal}` : `exited with code ${run.record.exitCode}`;
  return new Error(`${name} ${how}: ${detail}${hint ? `\n${hint}` : ''}`);
}

function turnsOf(events: SessionEvent[]): TurnRecord[] {
  return events
    .filter((e): e is Extract<SessionEvent, { event: 'turn' }> => e.event === 'turn')
    .map(({ turn, input, reply, messagesSent, usage, stored, ms }) => ({ turn, input, reply, messagesSent, usage, stored, ms }));
}

function toRecord(m: StoredMessage): StoredMessageRecord {
  return { seq: m.seq, role: m.role, status: m.status, tokens: m.tokens, usage: m.usage, createdAt: m.createdAt, content: m.content };
}

async function redisKeys(url: string, prefix: string, id: string): Promise<RedisKeyRecord[]> {
  const client = await connectRedis({ url });
  try {
    const k = sessionKeys(prefix, id);
    const rows: RedisKeyRecord[] = [];
    for (const key of [k.meta, k.msgs, k.turns, k.idem, k.index]) {
      const type = await client.type(key);
      const pttl = await client.pttl(key);
      let size = 0;
      if (type === 'hash') size = await client.hlen(key);
      else if (type === 'list') size = await client.llen(key);
      else if (type === 'zset') size = await client.zcard(key);
      rows.push({ key, type, size, ttlSeconds: pttl >= 0 ? Math.round(pttl / 100) / 10 : null });
    }
    return rows;
  } finally {
    await closeRedis(client);
  }
}

/** Seq contiguous and increasing, user/assistant alternating from a user message. */
function wellOrdered(messages: readonly StoredMessageRecord[]): boolean {
  return messages.every((m, i) => (i === 0 || m.seq === messages[i - 1].seq + 1) && m.role === (i % 2 === 0 ? 'user' : 'assistant') && m.status === 'complete');
}

export async function runLab(input: Partial<LabOptions> = {}): Promise<LabResult> {
  const options: LabOptions = { store: DEFAULTS.store, provider: DEFAULTS.provider, speed: DEFAULTS.speed, ttlSeconds: DEFAULTS.ttlSeconds, ...input };
  const { provider, speed } = options;
  const kind = options.store;
  const model = MODELS[provider];
  const write = options.write ?? ((line: string) => console.log(line));
  const paint = (style: Style, text: string) => (options.colour ? `\u001b[${codes[style]}m${text}\u001b[0m` : text);
  const note = (text: string) => paint('dim', `  [${text}]`);
  const stray = (line: string) => write(paint('dim', `    | ${line}`));

  const storeConfig: StoreConfig = {
    kind,
    db: kind === 'redis' ? null : path.resolve(options.db ?? defaultDbPath(kind)),
    redis:
      kind === 'sqlite'
        ? null
        : { url: options.redisUrl ?? process.env.REDIS_URL ?? DEFAULT_REDIS_URL, prefix: options.prefix ?? defaultPrefix(kind), ttlSeconds: options.ttlSeconds },
  };
  const continued = Boolean(options.session);
  const description = describeStore(storeConfig, shown);

  write(paint('bold', `Lab 3: a persistent session store (${kind})`));
  write(paint('dim', `  Store: ${description}. Model: ${provider} ${model} (offline simulator, speed ${speed}). This process: pid ${process.pid}.`));
  // Fail early and clearly if the store cannot be opened (Redis not running, an unreadable file).
  await (await openLabStore(storeConfig)).close();
  write('');

  const say = (who: 'you' | 'model', text: string, prefix: string, extra = '') =>
    write(`${prefix}${who === 'you' ? paint('cyan', 'you   >') : paint('dim', 'model <')} ${clip(text, 66)}${extra}`);
  const showTurn = (t: Extract<SessionEvent, { event: 'turn' }>) => {
    say('you', t.input, `  turn ${String(t.turn).padStart(2)}  `);
    say('model', t.reply, '           ', note(`sent ${t.messagesSent} msg${t.messagesSent === 1 ? '' : 's'}, saved ${seqRange(t.stored)}`));
  };

  // Process 1 ---------------------------------------------------------------
  let first: ChildRun | null = null;
  let sessionId = options.session ?? '';
  if (!continued) {
    write(paint('bold', `Process 1: a ${FIRST_TURNS.length}-turn conversation; the manager's onTurn saves each turn as it completes`));
    const config: ChildConfig = { phase: 'chat', store: storeConfig, provider, speed, session: null };
    first = await runChild(
      config,
      (e) => {
        if (e.event === 'start') write(paint('dim', `  started pid ${e.pid}: ${commandLine(config)}`));
        else if (e.event === 'session') {
          sessionId = e.id;
          write(paint('dim', `  created session ${e.id}; its system prompt is stored with it`));
        } else if (e.event === 'turn') showTurn(e);
      },
      stray,
    );
    if (first.record.exitCode !== 0 || !first.events.some((e) => e.event === 'done')) throw childFailure('Process 1', first);
    write(paint('dim', `  process ${first.record.pid} exited (code 0) after ${plural(turnsOf(first.events).length, 'turn')}, ${ms(first.record.wallMs)}. Its memory is gone; the store is all that is left.`));
    write('');
  }

  // Process 2 ---------------------------------------------------------------
  write(paint('bold', continued ? `Process 2: a new process continues session ${sessionId}` : 'Process 2: a new process loads the history, restores the manager and continues'));
  const config2: ChildConfig = { phase: 'resume', store: storeConfig, provider, speed, session: sessionId };
  const second = await runChild(
    config2,
    (e) => {
      if (e.event === 'start') {
        const others = [process.pid, first?.record.pid].filter((p): p is number => typeof p === 'number');
        write(paint('dim', `  started pid ${e.pid} (not ${others.join(', not ')}): ${commandLine(config2)}`));
      } else if (e.event === 'loaded') {
        const from = e.source === 'cache' ? ' from the Redis cache' : e.source === 'archive' ? ' from the SQLite archive (not in Redis any more: put back in)' : '';
        write(`  loadHistory: ${plural(e.messages, 'message')} (${plural(e.turns, 'turn')}, ${e.firstSeq === null ? 'empty' : `seq ${e.firstSeq}-${e.lastSeq}`})${from} in ${ms(e.ms)}`);
      } else if (e.event === 'restored') write(`  ConversationManager.fromHistory: turnCount ${e.turnCount}, system prompt read from the session`);
      else if (e.event === 'turn') {
        showTurn(e);
        write(
          remembers(e.reply)
            ? paint('green', `  => Remembered across the restart: turn 1 was said by ${first ? `process ${first.record.pid}, which no longer exists` : 'an earlier process'}. The answer came from the ${e.messagesSent - 1} messages the store gave back.`)
            : paint('red', '  => Not remembered: the restored history did not carry what turn 1 said.'),
        );
      } else if (e.event === 'contrast') {
        write('');
        write(paint('bold', '  Contrast: a fresh manager in the same new process, history not loaded'));
        say('you', e.input, '           ');
        say('model', e.reply, '           ', note(`sent ${e.messagesSent} msg${e.messagesSent === 1 ? '' : 's'}, saved nothing`));
        write(
          forgets(e.reply)
            ? paint('yellow', '  => Forgotten: same process, same model, same system prompt. Only the loadHistory call was missing.')
            : paint('red', '  => Unexpected: a manager without history answered from somewhere other than its request.'),
        );
      }
    },
    stray,
  );
  if (second.record.exitCode !== 0 || !second.events.some((e) => e.event === 'done')) {
    let hint = '';
    if (second.error?.code === 'session_not_found') {
      hint =
        kind === 'sqlite'
          ? `Is it the right file? This run used ${shown(storeConfig.db ?? '')} (--db).`
          : kind === 'redis'
            ? `Redis forgets a session when its TTL runs out (the --ttl of the run that last wrote it; default ${DEFAULTS.ttlSeconds} s), and the key prefix must match (--prefix, here ${storeConfig.redis?.prefix}). With --store tiered the SQLite archive would still have it.`
            : 'Neither the Redis cache nor the SQLite archive has it: check --db and --prefix.';
    }
    throw childFailure('Process 2', second, hint);
  }
  const loaded = second.events.find((e): e is Extract<SessionEvent, { event: 'loaded' }> => e.event === 'loaded');
  const restored = second.events.find((e): e is Extract<SessionEvent, { event: 'restored' }> => e.event === 'restored');
  const contrastEvent = second.events.find((e): e is Extract<SessionEvent, { event: 'contrast' }> => e.event === 'contrast');
  const sessionEvent = second.events.find((e): e is Extract<SessionEvent, { event: 'session' }> => e.event === 'session');
  const turn11 = turnsOf(second.events)[0];
  if (!loaded || !restored || !contrastEvent || !sessionEvent || !turn11) throw childFailure('Process 2', second, 'It finished without reporting every step.');

  const remembered = remembers(turn11.reply);
  const forgot = forgets(contrastEvent.reply);
  write(paint('dim', `  process ${second.record.pid} exited (code ${second.record.exitCode}), ${ms(second.record.wallMs)}.`));
  write('');

  // The store, read by this process after both have exited -------------------
  write(paint('bold', `What is in the store (opened again by this process, pid ${process.pid})`));
  const store = await openLabStore(storeConfig);
  let inspected: Omit<LabResult['store'], 'description' | 'expectedTurns' | 'deleted'>;
  let deleted = false;
  try {
    const sessions = await store.listSessions({ limit: 5 });
    const stats = await store.stats(sessionId);
    const messages = (await store.loadHistory(sessionId)).map(toRecord);
    let sqlite: LabResult['store']['sqlite'] = null;
    if (storeConfig.db !== null) {
      const wal = `${storeConfig.db}-wal`;
      sqlite = { file: storeConfig.db, bytes: statSync(storeConfig.db).size, walBytes: existsSync(wal) ? statSync(wal).size : 0 };
    }
    const redis = storeConfig.redis === null ? null : { keys: await redisKeys(storeConfig.redis.url, storeConfig.redis.prefix, sessionId) };
    let tiers: LabResult['store']['tiers'] = null;
    if (store instanceof TieredStore) {
      const cached = await store.cache.loadHistory(sessionId);
      const archived = await store.archive.loadHistory(sessionId);
      const key = (list: StoredMessage[]) => JSON.stringify(list.map((m) => [m.seq, m.role, m.content, m.createdAt, m.tokens]));
      tiers = { cacheMessages: cached.length, archiveMessages: archived.length, agree: key(cached) === key(archived) };
    }
    inspected = { sessions, stats, messages, sqlite, redis, tiers };
    if (options.cleanup) deleted = await store.deleteSession(sessionId);
  } finally {
    await store.close();
  }
  const { sessions, stats, messages, sqlite, redis, tiers } = inspected;

  write(`  Sessions, most recently updated first (listSessions, up to 5):`);
  for (const s of sessions) {
    write(`    ${s.id.padEnd(36)}  ${plural(s.turns, 'turn').padStart(8)}  updated ${s.updatedAt}${s.id === sessionId ? paint('cyan', '  <- this one') : ''}`);
  }
  const ageSeconds = (Date.parse(stats.updatedAt) - Date.parse(stats.createdAt)) / 1000;
  write(
    `  stats(${sessionId}): ${plural(stats.turns, 'turn')}, ${plural(messages.length, 'message')}, billed tokens in ${stats.tokensIn} / out ${stats.tokensOut}, ` +
      `created ${stats.createdAt}, last write ${ageSeconds.toFixed(1)} s later`,
  );
  write(paint('dim', '  loadHistory: tokens = counted once when written; usage = what the provider billed for that reply'));
  write(paint('dim', `  ${'seq'.padStart(4)}  ${'role'.padEnd(9)}  ${'status'.padEnd(8)}  ${'tokens'.padStart(6)}  ${'usage in/out'.padStart(12)}  ${'written (UTC)'.padEnd(12)}  content`));
  for (const m of messages) {
    const usage = m.usage ? `${m.usage.input}/${m.usage.output}` : '';
    write(
      `  ${String(m.seq).padStart(4)}  ${m.role.padEnd(9)}  ${m.status.padEnd(8)}  ${String(m.tokens ?? '-').padStart(6)}  ${usage.padStart(12)}  ${m.createdAt.slice(11, 23).padEnd(12)}  ${clip(m.content, 48)}`,
    );
  }
  if (sqlite) {
    const role = kind === 'tiered' ? 'The archive' : 'The store';
    write(`  ${role} is one file: ${shown(sqlite.file)} (${bytes(sqlite.bytes)}${sqlite.walBytes ? `, plus ${bytes(sqlite.walBytes)} of write-ahead log not yet folded in` : ''}). Nothing in it expires.`);
  }
  if (redis && storeConfig.redis) {
    write(`  Redis keys for this session (${kind === 'tiered' ? 'the cache' : 'the store'}):`);
    for (const k of redis.keys) {
      const unit = k.type === 'hash' ? 'field' : k.type === 'list' ? 'item' : 'member';
      const size = k.type === 'none' ? '' : plural(k.size, unit);
      let ttl = k.ttlSeconds === null ? 'no TTL' : `TTL ${k.ttlSeconds.toFixed(1)} s`;
      if (k.type === 'none') ttl = kind === 'tiered' && k.key.endsWith(':idem') ? 'absent: the archive answers retried writes' : 'absent';
      write(`    ${k.key.padEnd(storeConfig.redis.prefix.length + 58)}  ${k.type.padEnd(5)}  ${size.padEnd(11)}  ${ttl}`);
    }
    write(
      paint(
        'dim',
        `  Every write refreshes the TTL of all of them at once (one Lua script). After ${storeConfig.redis.ttlSeconds} s without a write the whole session is gone${kind === 'tiered' ? ' from Redis; the archive keeps it and the next read puts it back' : ''}.`,
      ),
    );
  }
  if (tiers) {
    write(
      tiers.agree
        ? `  Cache and archive agree: ${plural(tiers.cacheMessages, 'message')} in Redis, the same ${tiers.archiveMessages} (same seq, same timestamps) in SQLite.`
        : paint('red', `  Cache and archive disagree: ${tiers.cacheMessages} messages in Redis, ${tiers.archiveMessages} in SQLite.`),
    );
  }
  if (deleted) write(paint('dim', `  --cleanup: session ${sessionId} deleted.`));

  // Checks and results -------------------------------------------------------
  const expectedTurns = loaded.turns + 1;
  const said = continued ? null : [...FIRST_TURNS, QUESTION];
  const firstTurns = first ? turnsOf(first.events) : null;
  const newProcess =
    second.record.pid !== null &&
    second.record.pid !== process.pid &&
    (first === null || (first.record.pid !== second.record.pid && first.record.exitCode === 0));
  const historyLoaded =
    loaded.messages === 2 * loaded.turns &&
    restored.turnCount === loaded.turns &&
    turn11.messagesSent === loaded.messages + 1 &&
    (continued || (loaded.turns === FIRST_TURNS.length && loaded.firstSeq === 1 && loaded.lastSeq === 2 * FIRST_TURNS.length));
  const storeComplete = stats.turns === expectedTurns && messages.length === 2 * expectedTurns;
  const tail = messages.slice(-2);
  const inOrder =
    wellOrdered(messages) &&
    tail[0]?.content === QUESTION &&
    tail[1]?.content === turn11.reply &&
    turn11.stored.map((s) => s.seq).join() === tail.map((m) => m.seq).join() &&
    (said === null || firstTurns === null ||
      (messages[0]?.seq === 1 &&
        messages.filter((m) => m.role === 'user').map((m) => m.content).join('\n') === said.join('\n') &&
        firstTurns.every((t, i) => messages[2 * i + 1]?.content === t.reply)));
  const checks: LabResult['checks'] = { newProcess, historyLoaded, rememberedAfterRestart: remembered, statelessForgot: forgot, storeComplete, inOrder };
  const passed = Object.values(checks).every(Boolean);

  const result: LabResult = {
    schema: 'lab3-session-store/v1',
    completedAt: new Date().toISOString(),
    options: { store: kind, provider, model, speed, db: storeConfig.db, redis: storeConfig.redis && { ...storeConfig.redis, url: redactUrl(storeConfig.redis.url) }, continued, cleanup: Boolean(options.cleanup) },
    session: { id: sessionId, systemPrompt: sessionEvent.systemPrompt },
    processes: { lab: { pid: process.pid }, first: first?.record ?? null, second: second.record },
    first: firstTurns ? { turns: firstTurns } : null,
    second: {
      loaded: { messages: loaded.messages, turns: loaded.turns, firstSeq: loaded.firstSeq, lastSeq: loaded.lastSeq, ms: loaded.ms, source: loaded.source },
      restoredTurnCount: restored.turnCount,
      turn: turn11,
      remembered,
    },
    contrast: { question: contrastEvent.input, reply: contrastEvent.reply, messagesSent: contrastEvent.messagesSent, forgot },
    store: { description, sessions, stats, messages, expectedTurns, sqlite, redis, tiers, deleted },
    checks,
    passed,
    files: [],
  };

  write('');
  if (passed) {
    write(paint('green', `PASSED: the second process remembered turn 1, the store holds all ${expectedTurns} turns in order, and without the load the model forgot.`));
  } else {
    const failed = Object.entries(checks).filter(([, ok]) => !ok).map(([name]) => name);
    write(paint('red', `NOT PASSED: ${failed.join(', ')} did not hold (see the JSON results for the evidence).`));
  }
  if (options.resultsDir) {
    mkdirSync(options.resultsDir, { recursive: true });
    const files = [path.join(options.resultsDir, RESULTS_FILE), path.join(options.resultsDir, `${kind}-${provider}.json`)];
    result.files = files;
    for (const file of files) writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    write(paint('dim', `Results: ${files.map(shown).join(', ')}`));
  }
  if (!deleted) {
    const flags = [`--store ${kind}`, ...(options.db ? [`--db ${shown(storeConfig.db ?? '')}`] : []), ...(options.prefix ? [`--prefix ${options.prefix}`] : [])];
    write(paint('dim', `Continue this session: npm run lab:store -- ${flags.join(' ')} --session ${sessionId}`));
  }
  return result;
}

