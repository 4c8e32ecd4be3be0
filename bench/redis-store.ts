import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { closeRedis, connectRedis, openRedisStore, type NewMessage, type RedisStore } from '../modules/persistence/reference/index.ts';
import { checkRedis } from '../test-support/services.ts';
import { chatCorpus } from './corpus.ts';
import { courseRedis } from './course-patterns.ts';
import { compare, fmtMs, fmtRatio, round, type MeasureOptions } from './measure.ts';
import { startCountingProxy, type RoundTrip } from './round-trips.ts';
import { toNewMessages } from './sqlite-store.ts';
import type { Bench, BenchRow } from './types.ts';

/**
 * Redis: what one saved turn costs on the wire and in time.
 *  - Round trips are counted on the wire, by a TCP proxy between the client
 *    and Redis that reads the commands (round-trips.ts), for the store's
 *    saveTurn and for the course's pattern (RPUSH per message, then EXPIRE).
 *  - Time is measured on direct connections (loopback), and again through a
 *    proxy that holds each chunk 1 ms each way (a Redis across a network),
 *    both sides in the same run, interleaved.
 * Everything lives under a key prefix of its own, deleted at the end; nothing
 * is flushed (the Redis may be shared).
 */

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface RedisMeasurement {
  /** Round trips per saveTurn, warm (the script already on the server). */
  storeTrips: number;
  storeCommands: string[];
  /** Round trips of the very first saveTurn of this run (2 when the server lacked the script: NOSCRIPT, then EVAL). */
  storeFirstTrips: number;
  courseTrips: number;
  courseCommands: string[];
  /** Round trips per loadHistory, warm (its script already on the server). */
  loadTrips: number;
  /** Round trips of the first loadHistory of this run (2 when the server lacked its script). */
  loadFirstTrips: number;
  messagesPerTurn: number;
  storeMs: number;
  courseMs: number;
  /** Through a proxy adding `rttMs` of round-trip time. */
  rttMs: number;
  storeRemoteMs: number;
  courseRemoteMs: number;
}

/** Every key under a prefix, deleted with SCAN + DEL (never FLUSH). */
export async function deletePrefix(client: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) deleted += await client.del(...keys);
  } while (cursor !== '0');
  return deleted;
}

const perCall = (trips: RoundTrip[], calls: number) => trips.length / calls;

export async function measureRedis(
  opts: { url?: string; calls?: number; measure?: MeasureOptions },
  progress: (m: string) => void = () => {},
): Promise<RedisMeasurement> {
  const url = opts.url ?? REDIS_URL;
  const calls = opts.calls ?? 10;
  const { hostname, port } = new URL(url);
  const prefix = `bench:${process.pid}:${randomUUID().slice(0, 8)}:`;
  const target = { host: hostname || '127.0.0.1', port: Number(port || 6379) };
  const proxy = await startCountingProxy(target);
  const slow = await startCountingProxy(target, { delayMs: 1 });
  const clients: Redis[] = [];
  const stores: RedisStore[] = [];
  const admin = await connectRedis({ url });
  try {
    const turn = toNewMessages(chatCorpus(2, 13)) as [NewMessage, NewMessage];

    progress('counting round trips on the wire (through a counting proxy)');
    const counted = await openRedisStore({ url: proxy.url, prefix, ttlSeconds: 3600 });
    stores.push(counted);
    const courseClient = await connectRedis({ url: proxy.url });
    clients.push(courseClient);
    const course = courseRedis(courseClient, { prefix });
    const { id } = await counted.createSession({});

    // A store call's round trips: its first of the run apart (a fresh or restarted server lacks the
    // script: NOSCRIPT, then EVAL), then per call over `calls` warm ones, with the first warm call's commands.
    const tripsOf = async (call: () => Promise<unknown>) => {
      proxy.reset();
      await call();
      const first = proxy.trips.length;
      proxy.reset();
      for (let i = 0; i < calls; i++) await call();
      return { first, warm: perCall(proxy.trips, calls), commands: proxy.trips[0]?.commands ?? [] };
    };
    const save = await tripsOf(() => counted.saveTurn(id, turn));
    const load = await tripsOf(() => counted.loadHistory(id));

    proxy.reset();
    for (let i = 0; i < calls; i++) await course.saveTurn('counted', turn);
    const courseTrips = perCall(proxy.trips, calls);
    const courseCommands = proxy.trips.slice(0, Math.round(courseTrips)).flatMap((t) => t.commands);

    progress('timing saveTurn on direct connections: the store vs the course pattern');
    const direct = await openRedisStore({ url, prefix, ttlSeconds: 3600 });
    stores.push(direct);
    const directCourse = courseRedis(admin, { prefix });
    const timed = await direct.createSession({});
    await direct.saveTurn(timed.id, turn);
    const t = await compare(
      {
        store: async () => {
          await direct.saveTurn(timed.id, turn);
        },
        course: async () => {
          await directCourse.saveTurn('timed', turn);
        },
      },
      { rounds: 3, time: 300, iterations: 50, progress, ...opts.measure },
    );

    progress('timing saveTurn across a simulated network (1 ms each way)');
    const remote = await openRedisStore({ url: slow.url, prefix, ttlSeconds: 3600 });
    stores.push(remote);
    const remoteCourseClient = await connectRedis({ url: slow.url });
    clients.push(remoteCourseClient);
    const remoteCourse = courseRedis(remoteCourseClient, { prefix });
    const far = await remote.createSession({});
    const r = await compare(
      {
        store: async () => {
          await remote.saveTurn(far.id, turn);
        },
        course: async () => {
          await remoteCourse.saveTurn('remote', turn);
        },
      },
      { rounds: 3, time: 300, iterations: 20, progress, ...opts.measure },
    );
    const ping = await compare({ ping: async () => void (await remoteCourseClient.ping()) }, { rounds: 1, time: 100, iterations: 10 });
    return {
      rttMs: ping.ping.median,
      storeRemoteMs: r.store.median,
      courseRemoteMs: r.course.median,
      storeTrips: save.warm,
      storeCommands: save.commands,
      storeFirstTrips: save.first,
      courseTrips,
      courseCommands,
      loadTrips: load.warm,
      loadFirstTrips: load.first,
      messagesPerTurn: turn.length,
      storeMs: t.store.median,
      courseMs: t.course.median,
    };
  } finally {
    for (const s of stores) await s.close();
    for (const c of clients) await closeRedis(c);
    await deletePrefix(admin, prefix).catch(() => 0);
    await closeRedis(admin);
    await proxy.close();
    await slow.close();
  }
}

const trips = (n: number): string => `${n} round trip${n === 1 ? '' : 's'}`;

export function redisRow(m: RedisMeasurement): BenchRow {
  return {
    what: `Redis: save a turn (${m.messagesPerTurn} messages), round trips counted on the wire`,
    baseline: `the course's pattern: one RPUSH per message plus EXPIRE (${m.courseCommands.join(', ')})`,
    result:
      `${trips(m.storeTrips)} (${m.storeCommands.join(', ')}) vs ${m.courseTrips}; per save on loopback ${fmtMs(m.storeMs)} vs ${fmtMs(m.courseMs)} ` +
      `(${fmtRatio(m.courseMs / m.storeMs)}), at ${fmtMs(m.rttMs)} RTT ${fmtMs(m.storeRemoteMs)} vs ${fmtMs(m.courseRemoteMs)} (${fmtRatio(m.courseRemoteMs / m.storeRemoteMs)}); ` +
      `load history: ${trips(m.loadTrips)}; the run's first save and first load: ${m.storeFirstTrips} and ${m.loadFirstTrips} (2 when the server lacks the script)`,
    target: 'one round trip',
    met: m.storeTrips === 1,
    data: {
      storeRoundTrips: m.storeTrips,
      storeCommands: m.storeCommands.join(' '),
      storeFirstSaveRoundTrips: m.storeFirstTrips,
      courseRoundTrips: m.courseTrips,
      courseCommands: m.courseCommands.join(' '),
      loadHistoryRoundTrips: m.loadTrips,
      loadHistoryFirstRoundTrips: m.loadFirstTrips,
      storeMedianMs: round(m.storeMs),
      courseMedianMs: round(m.courseMs),
      ratio: round(m.courseMs / m.storeMs, 3),
      simulatedRttMs: round(m.rttMs),
      storeRemoteMedianMs: round(m.storeRemoteMs),
      courseRemoteMedianMs: round(m.courseRemoteMs),
      remoteRatio: round(m.courseRemoteMs / m.storeRemoteMs, 3),
    },
  };
}

/** The row when there is no Redis to measure: reported, not failed (CI requires Redis; the lead's run has it). */
export function redisUnavailableRow(what: string, reason: string): BenchRow {
  return { what, baseline: '-', result: `not measured: ${reason}`, target: 'one round trip', met: null, data: { skipped: reason } };
}

export const redisStore: Bench = {
  id: 'redis',
  title: "Redis store: round trips and time to save a turn vs the course's pattern",
  note: 'Round trips counted on the wire by a TCP proxy that reads the RESP commands; time on loopback and through a proxy adding 1 ms each way. Keys under a private prefix, deleted afterwards; nothing flushed.',
  async run(progress) {
    const check = await checkRedis(REDIS_URL);
    if (!check.available) return [redisUnavailableRow('Redis: save a turn', check.reason)];
    return [redisRow(await measureRedis({}, progress))];
  },
};
