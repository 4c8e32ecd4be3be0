/**
 * The reference on Redis and on Redis in front of SQLite: history survives a
 * restart, every key stays under the test's own prefix, and the prefix is
 * emptied afterwards. Skipped with one line when Redis is absent (unless REQUIRE_REDIS=1).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { REDIS_URL, useRedis } from '../../../test-support/services.ts';
import { history, stats, turn } from '../conformance/client.ts';
import { testServer } from './test-helpers.ts';

const redisOk = await useRedis();
const raw = redisOk ? new Redis(REDIS_URL, { maxRetriesPerRequest: 1 }) : null;
const prefixes: string[] = [];

async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await raw!.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

afterAll(async () => {
  if (!raw) return;
  for (const prefix of prefixes) {
    const keys = await keysUnder(prefix);
    if (keys.length) await raw.del(...keys);
  }
  raw.disconnect();
});

describe.skipIf(!redisOk)('milestone server: Redis stores', () => {
  for (const store of ['redis', 'tiered'] as const) {
    it(`--store ${store}: history survives a restart, keys stay under the prefix, DELETE removes them`, async () => {
      const redisPrefix = `milestone-test:${randomUUID()}:`;
      prefixes.push(redisPrefix);
      const first = await testServer({ store, redisPrefix, redisUrl: REDIS_URL });
      let second: Awaited<ReturnType<typeof testServer>> | null = null;
      try {
        const a = await turn(first.url, 'new', 'My name is Ajay.', { system_prompt: 'Be brief.' });
        const id = a.sessionId ?? '';
        await turn(first.url, id, 'Tell me about Redis lists.');
        const before = await history(first.url, id);
        expect((await keysUnder(redisPrefix)).length).toBeGreaterThan(0);
        await first.close();
        second = await testServer({ store, redisPrefix, redisUrl: REDIS_URL, dataDir: first.dataDir });
        expect(await history(second.url, id)).toEqual(before);
        const next = await turn(second.url, id, 'What is my name?');
        expect(next.text).toMatch(/Ajay/);
        expect((await stats(second.url, id)).turn_count).toBe(3);
        expect((await fetch(`${second.url}/sessions/${id}`, { method: 'DELETE' })).status).toBe(204);
        expect((await keysUnder(redisPrefix)).filter((k) => k.includes(id))).toEqual([]);
      } finally {
        await second?.close();
        await first.dispose();
      }
    });
  }
});
