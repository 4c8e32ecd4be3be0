import type { ModuleMeta } from '../shared/meta.ts';

/**
 * The persistence module's exercises, in order. The one declaration the
 * workbench, the grader and the README read. Each id is also the name of the
 * describe block in persistence.test.ts that grades it.
 */
export const persistence: ModuleMeta = {
  name: 'persistence',
  title: 'Persistent history: SQLite, Redis, and Redis in front of SQLite',
  exercises: [
    {
      id: 'validate-input',
      title: 'Refuse bad input before anything is written',
      file: 'exercises/validate.ts',
      lesson: 'Refuse bad input first',
      hints: [
        'Check one field at a time and throw at the first problem. The `field` of InvalidMessageError is the path to the bad field, built from the `field` parameter: `${field}.role`, `${field}.content`, ...',
        "Content: a string, `content.trim() !== ''`, and `Buffer.byteLength(content, 'utf8') <= MAX_CONTENT_BYTES` (`.length` counts UTF-16 units, not bytes). Counts: `Number.isSafeInteger(n) && n >= 0`. usage is allowed on assistant messages only. Return a new object with only the known fields and the defaults filled in.",
        "prepareWrite: refuse a non-array, an empty array and more than MAX_MESSAGES_PER_TURN; `const valid = messages.map((m, i) => validateNewMessage(m, `messages[${i}]`))`; `const key = validateClientId(turnClientId, 'clientId') ?? valid[0].clientId`; when there is a key and valid[0].clientId is null, replace valid[0] with `{ ...valid[0], clientId: key }`.",
      ],
      checklist: ['sqlite-history'],
    },
    {
      id: 'sqlite-schema',
      title: 'Open SQLite once, configured, with a versioned schema',
      file: 'exercises/sqlite-schema.ts',
      lesson: 'The schema and its migrations',
      hints: [
        'PRAGMA user_version is a number SQLite keeps in the file header for you. Read it (`db.pragma(\'user_version\', { simple: true })`), compare it with SCHEMA_VERSION, and run only the MIGRATIONS with a greater version.',
        'Put the loop and `db.pragma(`user_version = ${SCHEMA_VERSION}`)` in `db.transaction(() => { ... })` and call it with `.immediate()`: if a statement throws, everything rolls back. Read user_version again inside: another process may have migrated while you waited for the lock. Wrap errors that are not StoreErrors in `new StoreError(\'migration_failed\', ...)`.',
        "openDatabase: `new Database(path)` inside try/catch (failure: StoreUnavailableError('sqlite', ...)); then `db.pragma('busy_timeout = 5000')`, `db.pragma('journal_mode = WAL')`, `db.pragma('synchronous = NORMAL')` (FULL when asked), `db.pragma('foreign_keys = ON')`, `migrate(db)`; if any of that throws, `db.close()` and rethrow.",
      ],
      checklist: ['sqlite-history'],
    },
    {
      id: 'sqlite-store',
      title: 'The SessionStore on SQLite',
      file: 'exercises/sqlite-store.ts',
      lesson: 'SQLite done properly',
      hints: [
        'openSqliteStore opens the database once (openDatabase) and hands it to the store, which keeps it. In the constructor, `db.prepare(...)` every statement you need and keep them in fields; no method should prepare SQL or open a connection.',
        'saveTurn: `const w = prepareWrite(messages, opts.clientId)` before touching the database. Build `db.transaction((id, w) => { ... })` once in the constructor and call it with `.immediate(id, w)`: read the conversation row (none: SessionNotFoundError); if `w.key` is in client_writes, return the messages with seq BETWEEN first_seq AND first_seq + count - 1; else INSERT each message with seq = last_seq + 1 + i, INSERT the client_writes row, UPDATE the conversation (last_seq, updated_at, and turns/tokens_in/tokens_out plus totalsOf(...)).',
        "loadHistory with lastTurns N: `SELECT seq FROM messages WHERE conversation_id = ? AND role = 'user' ORDER BY seq DESC LIMIT 1 OFFSET ?` with N - 1 gives the first seq to return (no row: 0), then `... WHERE conversation_id = ? AND seq >= ? ORDER BY seq`. createSession: `INSERT ... ON CONFLICT(id) DO NOTHING`, and `.changes === 0` means the id is taken. deleteSession: ON DELETE CASCADE removes the messages. Errors whose code starts with SQLITE_BUSY or SQLITE_LOCKED become StoreUnavailableError.",
      ],
      checklist: ['sqlite-history'],
    },
    {
      id: 'redis-connection',
      title: 'Connect to Redis so an outage is an error, not a hang or a crash',
      file: 'exercises/redis-connection.ts',
      lesson: 'Redis: plan for the outage',
      hints: [
        'Pass options as the second argument, `new Redis(url, { lazyConnect: true, ... })`, then `await client.connect()`: with lazyConnect you choose when to connect, and you see the failure.',
        "`enableOfflineQueue: false` makes a command fail at once while disconnected; `maxRetriesPerRequest: 0` makes a command cut off by a disconnect fail instead of being sent again; `retryStrategy: (times) => Math.min(50 * 2 ** times, 1000)` keeps reconnecting; `commandTimeout` bounds a stalled server. And `client.on('error', () => {})`: an 'error' event nobody listens to crashes the process.",
        "If connect() rejects: `client.disconnect()` (or it keeps retrying) and throw `new StoreUnavailableError('redis', `Cannot connect to Redis at ${redactUrl(url)}: ...`)`. toStoreError: a StoreError, or a ReplyError not matching /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|READONLY)/, is returned as is; anything else becomes StoreUnavailableError naming `doing`. closeRedis: `quit()` when `client.status === 'ready'` (ignore its failure), otherwise `disconnect()`.",
      ],
      checklist: ['redis-vs-sqlite'],
    },
    {
      id: 'redis-store',
      title: 'The SessionStore on Redis, one TTL per session',
      file: 'exercises/redis-store.ts',
      lesson: 'Redis: lists, hashes and one TTL',
      hints: [
        'Read given/redis-scripts.ts first: each script lists the KEYS and ARGV it expects and what it answers. Most of your methods build those two lists and turn the reply into the store\'s types and errors. Wrap every Redis call in guardRedis(...) so an outage becomes StoreUnavailableError.',
        "saveTurn: `const w = prepareWrite(...)`, `const t = totalsOf(w.messages)`, then APPEND with ARGV `[ttlMs, Date.now(), id, iso, w.key ?? '', w.messages.length, t.turns, t.tokensIn, t.tokensOut, ...w.messages.flatMap((m) => [m.role, JSON.stringify({ role, content, createdAt: iso, tokens, usage, status, clientId }).slice(1)])]`. reply[0] is 'missing', 'duplicate' or 'stored'; the rest are JSON strings.",
        "loadHistory: `runScript(client, READ, [meta, msgs, turns], [lastTurns ?? ''])`; a reply that is not an array means no session. listSessions: `zremrangebyscore(index, '-inf', `(${Date.now() - ttlMs}`)`, `zrevrange(index, 0, limit - 1)`, then a pipeline of hgetall per id, dropping empty hashes, sorted with byRecency. deleteSession: `client.multi().del(meta, msgs, turns, idem).zrem(index, id).exec()`.",
      ],
      checklist: ['redis-vs-sqlite'],
    },
    {
      id: 'tiered-store',
      title: 'Redis as a cache in front of SQLite as the archive',
      file: 'exercises/tiered-store.ts',
      lesson: 'A cache in front of an archive',
      hints: [
        'Write to the archive first, always: it is the truth, it numbers the messages and it answers retried client ids. Then bring the cache along: `cache.apply(await archive.getSession(id), stored)`; on \'miss\' or \'gap\', refill the cache from the archive with `cache.fill(...)`. This exercise also covers fill, apply and evict in redis-store.ts (the FILL and APPLY scripts are provided).',
        'Reads: ask the cache; null or SessionNotFoundError from the cache is a miss: read the whole session from the archive (getSession, loadHistory), `cache.fill({ info, messages })`, and answer from that (sliceLastTurns). StoreUnavailableError from the cache: answer from the archive.',
        "Keep a Set of 'suspect' session ids whose cache write failed because Redis was away. Reads of a suspect session skip the cache until `cache.evict(id)` succeeds; then the next read warms a fresh copy. Only StoreUnavailableError is swallowed; every other error propagates.",
      ],
      checklist: ['redis-vs-sqlite'],
    },
  ],
};
