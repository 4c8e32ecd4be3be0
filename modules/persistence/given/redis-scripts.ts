/**
 * Lua scripts for the Redis store. Provided: read them, they are where the
 * atomicity lives. Redis runs a script as one command: no other client's
 * command runs in the middle, so "check, then write, then refresh the TTL"
 * cannot be interleaved with another writer, and each costs one round trip.
 *
 * Every script that writes touches the whole session (meta, msgs, turns, idem)
 * with the same PEXPIRE, so the session lives and dies as one.
 *
 * Key layout (KEYS, in this order, for every script):
 *   1 meta   hash   id, systemPrompt, createdAt, updatedAt, lastSeq, turns, tokensIn, tokensOut
 *   2 msgs   list   one JSON message per entry, in seq order
 *   3 turns  list   index in msgs of each user message (where each turn starts)
 *   4 idem   hash   client id -> "<index in msgs>:<count>" of the write it made
 *   5 index  zset   session id scored by its last write (ms), for listSessions
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface LuaScript {
  name: string;
  lua: string;
  sha: string;
}

function script(name: string, lua: string): LuaScript {
  return { name, lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/** Shared prologue: refresh every key of the session and record it in the index. */
const TOUCH = `
local function touch(ttl, id, nowMs)
  for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ttl) end
  redis.call('ZADD', KEYS[5], nowMs, id)
  -- A session whose last write is older than the TTL has expired: drop it from the index.
  redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', '(' .. (tonumber(nowMs) - tonumber(ttl)))
  redis.call('PEXPIRE', KEYS[5], ttl)
end
`;

/** ARGV: ttlMs, nowMs, id, systemPrompt, nowIso. Returns 1 (created) or 0 (id taken). */
export const CREATE = script(
  'create',
  `${TOUCH}
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'id', ARGV[3], 'systemPrompt', ARGV[4], 'createdAt', ARGV[5], 'updatedAt', ARGV[5],
  'lastSeq', 0, 'turns', 0, 'tokensIn', 0, 'tokensOut', 0)
touch(ARGV[1], ARGV[3], ARGV[2])
return 1`,
);

/**
 * ARGV: ttlMs, nowMs, id, nowIso, clientKey ('' for none), count, dTurns, dTokensIn, dTokensOut,
 * then per message: role, its JSON without the opening '{' (the script prepends {"seq":N,).
 * Returns {'missing'} | {'duplicate', json...} (the earlier write's messages) | {'stored', json...}.
 */
export const APPEND = script(
  'append',
  `${TOUCH}
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing'} end
local key = ARGV[5]
if key ~= '' then
  local prior = redis.call('HGET', KEYS[4], key)
  if prior then
    local sep = string.find(prior, ':', 1, true)
    local start = tonumber(string.sub(prior, 1, sep - 1))
    local n = tonumber(string.sub(prior, sep + 1))
    local out = redis.call('LRANGE', KEYS[2], start, start + n - 1)
    table.insert(out, 1, 'duplicate')
    return out
  end
end
local count = tonumber(ARGV[6])
local last = redis.call('HINCRBY', KEYS[1], 'lastSeq', count)
local first = last - count + 1
local len = redis.call('LLEN', KEYS[2])
local out = {'stored'}
for i = 0, count - 1 do
  local json = '{"seq":' .. string.format('%d', first + i) .. ',' .. ARGV[11 + 2 * i]
  redis.call('RPUSH', KEYS[2], json)
  if ARGV[10 + 2 * i] == 'user' then redis.call('RPUSH', KEYS[3], len + i) end
  out[#out + 1] = json
end
if key ~= '' then redis.call('HSET', KEYS[4], key, len .. ':' .. count) end
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[4])
redis.call('HINCRBY', KEYS[1], 'turns', ARGV[7])
redis.call('HINCRBY', KEYS[1], 'tokensIn', ARGV[8])
redis.call('HINCRBY', KEYS[1], 'tokensOut', ARGV[9])
touch(ARGV[1], ARGV[3], ARGV[2])
return out`,
);

/**
 * ARGV: lastTurns ('' for all). Returns nil (no session) or the JSON messages.
 * The last N turns in one round trip: find where the N-th last turn starts, then LRANGE from there.
 */
export const READ = script(
  'read',
  `if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local start = 0
if ARGV[1] ~= '' then
  local n = tonumber(ARGV[1])
  if n == 0 then return {} end
  if redis.call('LLEN', KEYS[3]) >= n then start = tonumber(redis.call('LINDEX', KEYS[3], -n)) end
end
return redis.call('LRANGE', KEYS[2], start, -1)`,
);

/** ARGV: ttlMs, nowMs, id, nowIso. Returns 1, or 0 when there is no session. */
export const CLEAR = script(
  'clear',
  `${TOUCH}
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
redis.call('HSET', KEYS[1], 'turns', 0, 'tokensIn', 0, 'tokensOut', 0, 'updatedAt', ARGV[4])
touch(ARGV[1], ARGV[3], ARGV[2])
return 1`,
);

/**
 * Cache fill. ARGV: ttlMs, nowMs, id, systemPrompt, createdAt, updatedAt, turns, tokensIn, tokensOut,
 * lastSeq, then per message: role, full JSON. Returns 0 (kept: the cache holds a newer copy) or 1.
 */
export const FILL = script(
  'fill',
  `${TOUCH}
local cur = redis.call('HGET', KEYS[1], 'lastSeq')
if cur and tonumber(cur) > tonumber(ARGV[10]) then return 0 end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
redis.call('HSET', KEYS[1], 'id', ARGV[3], 'systemPrompt', ARGV[4], 'createdAt', ARGV[5], 'updatedAt', ARGV[6],
  'turns', ARGV[7], 'tokensIn', ARGV[8], 'tokensOut', ARGV[9], 'lastSeq', ARGV[10])
local i = 11
local idx = 0
while i < #ARGV do
  redis.call('RPUSH', KEYS[2], ARGV[i + 1])
  if ARGV[i] == 'user' then redis.call('RPUSH', KEYS[3], idx) end
  idx = idx + 1
  i = i + 2
end
touch(ARGV[1], ARGV[3], ARGV[2])
return 1`,
);

/**
 * Cache write-through. ARGV: ttlMs, nowMs, id, updatedAt, turns, tokensIn, tokensOut, firstSeq, lastSeq,
 * then per message: role, full JSON. Returns 'miss' | 'stale' | 'gap' | 'applied' (see ApplyResult).
 */
export const APPLY = script(
  'apply',
  `${TOUCH}
local cur = redis.call('HGET', KEYS[1], 'lastSeq')
if not cur then return 'miss' end
cur = tonumber(cur)
if cur >= tonumber(ARGV[9]) then return 'stale' end
if cur ~= tonumber(ARGV[8]) - 1 then return 'gap' end
local idx = redis.call('LLEN', KEYS[2])
local i = 10
while i < #ARGV do
  redis.call('RPUSH', KEYS[2], ARGV[i + 1])
  if ARGV[i] == 'user' then redis.call('RPUSH', KEYS[3], idx) end
  idx = idx + 1
  i = i + 2
end
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[4], 'turns', ARGV[5], 'tokensIn', ARGV[6], 'tokensOut', ARGV[7], 'lastSeq', ARGV[9])
touch(ARGV[1], ARGV[3], ARGV[2])
return 'applied'`,
);

/** Run a script by its SHA (one short command); load it with EVAL the first time the server lacks it. */
export async function runScript(client: Redis, s: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
  try {
    return await client.evalsha(s.sha, keys.length, ...keys, ...args);
  } catch (e) {
    if (e instanceof Error && e.message.startsWith('NOSCRIPT')) return client.eval(s.lua, keys.length, ...keys, ...args);
    throw e;
  }
}
