import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { slidingWindow } from '../modules/context/reference/index.ts';
import { closeRedis, connectRedis, openRedisStore, openSqliteStore, type NewMessage, type SessionStore } from '../modules/persistence/reference/index.ts';
import { checkRedis } from '../test-support/services.ts';
import { recountingWindow, stampedHistory, windowOptions } from './context-window.ts';
import { chatCorpus } from './corpus.ts';
import { fmtMs, measure, round, type MeasureOptions } from './measure.ts';
import { REDIS_URL, deletePrefix } from './redis-store.ts';
import { fillSession, tempDir, toNewMessages } from './sqlite-store.ts';
import type { Bench, BenchRow } from './types.ts';

/**
 * How each cost grows with the history: the same operations at 100, 1,000,
 * 10,000 and 100,000 messages, so the curve is visible.
 *  - context: slidingWindow from stored counts, and the recounting baseline
 *    (at 10,000 and above: fewer iterations, no warm-up; it takes seconds);
 *  - SQLite and Redis: one session grown to each size (filled in 64-message
 *    turns, untimed), then: load the whole history, load the last 10 turns,
 *    save one more turn (25 saves and 2 warm-up saves, so the session stays near its size).
 * A cost that does not depend on the history stays flat; loading all of it
 * cannot.
 */

export const GROWTH_SIZES = [100, 1_000, 10_000, 100_000] as const;

export interface Curve {
  what: string;
  /** Median ms at each size, in the order of `sizes`. */
  ms: number[];
}

export interface GrowthOptions {
  sizes?: readonly number[];
  redisUrl?: string | null;
  measure?: MeasureOptions;
}

/** Slow operations get fewer samples as they grow; fast ones keep tinybench's time budget. */
function budget(size: number, base: MeasureOptions | undefined, slow: boolean): MeasureOptions {
  if (slow && size >= 10_000) return { rounds: 1, time: 1, iterations: size >= 100_000 ? 1 : 2, warmup: false, ...base };
  return { rounds: 1, time: size >= 100_000 ? 300 : 200, iterations: 5, ...base };
}

async function storeCurves(
  label: string,
  open: () => Promise<SessionStore>,
  sizes: readonly number[],
  opts: GrowthOptions,
  progress: (m: string) => void,
): Promise<Curve[]> {
  const store = await open();
  try {
    const { id } = await store.createSession({});
    const all = toNewMessages(chatCorpus(Math.max(...sizes), 17));
    const turn = toNewMessages(chatCorpus(2, 19)) as [NewMessage, NewMessage];
    const save: number[] = [];
    const load: number[] = [];
    const last: number[] = [];
    let count = 0; // messages in the session
    let next = 0; // next corpus message to fill with
    for (const size of sizes) {
      progress(`${label}: filling the session to ${size.toLocaleString('en')} messages`);
      const missing = Math.max(0, size - count);
      await fillSession(store, id, all.slice(next, next + missing));
      next += missing;
      count += missing;
      load.push((await measure(async () => void (await store.loadHistory(id)), budget(size, opts.measure, true))).median);
      last.push((await measure(async () => void (await store.loadHistory(id, { lastTurns: 10 })), budget(size, opts.measure, false))).median);
      // Each timed save adds a turn: keep them few (the next size's fill accounts for them).
      const saving = async () => {
        await store.saveTurn(id, turn);
        count += turn.length;
      };
      save.push((await measure(saving, { rounds: 1, time: 1, iterations: 25, ...opts.measure })).median);
      progress(`${label} at ${size.toLocaleString('en')}: save ${fmtMs(save[save.length - 1])}, load ${fmtMs(load[load.length - 1])}, last 10 turns ${fmtMs(last[last.length - 1])}`);
    }
    return [
      { what: `${label}: save a turn`, ms: save },
      { what: `${label}: load the whole history`, ms: load },
      { what: `${label}: load the last 10 turns`, ms: last },
    ];
  } finally {
    await store.close();
  }
}

export async function measureGrowth(opts: GrowthOptions = {}, progress: (m: string) => void = () => {}): Promise<{ sizes: number[]; curves: Curve[]; skipped: string[] }> {
  const sizes = [...(opts.sizes ?? GROWTH_SIZES)];
  const curves: Curve[] = [];
  const skipped: string[] = [];

  // Context window.
  const options = windowOptions();
  const windowMs: number[] = [];
  const recountMs: number[] = [];
  const full = stampedHistory(Math.max(...sizes), progress);
  for (const size of sizes) {
    const history = full.slice(0, size);
    const raw = history.map((m) => ({ role: m.role as 'user' | 'assistant', content: m.content as string }));
    let sink = 0;
    windowMs.push((await measure(() => void (sink += slidingWindow(history, options).tokens), budget(size, opts.measure, false))).median);
    progress(`context at ${size.toLocaleString('en')}: window ${fmtMs(windowMs[windowMs.length - 1])}; recounting...`);
    recountMs.push((await measure(() => void (sink += recountingWindow(raw, options).tokens), budget(size, opts.measure, true))).median);
    progress(`context at ${size.toLocaleString('en')}: recount ${fmtMs(recountMs[recountMs.length - 1])}`);
    if (sink < 0) throw new Error('unreachable');
  }
  curves.push({ what: 'context window from stored counts (slidingWindow)', ms: windowMs }, { what: 'context window recounting every message (baseline)', ms: recountMs });

  // SQLite.
  const tmp = tempDir();
  try {
    curves.push(...(await storeCurves('SQLite store', () => openSqliteStore({ path: path.join(tmp.dir, 'growth.db') }), sizes, opts, progress)));
  } finally {
    tmp.remove();
  }

  // Redis.
  const url = opts.redisUrl === undefined ? REDIS_URL : opts.redisUrl;
  const check = url === null ? { available: false, reason: 'no Redis URL' } : await checkRedis(url);
  if (url !== null && check.available) {
    const prefix = `bench:${process.pid}:${randomUUID().slice(0, 8)}:`;
    try {
      curves.push(...(await storeCurves('Redis store', () => openRedisStore({ url, prefix, ttlSeconds: 600 }), sizes, opts, progress)));
    } finally {
      const admin = await connectRedis({ url });
      await deletePrefix(admin, prefix).catch(() => 0);
      await closeRedis(admin);
    }
  } else {
    skipped.push(`Redis: ${check.reason}`);
  }
  return { sizes, curves, skipped };
}

/** Slope of log(ms) against log(size) over the last two sizes: ~0 flat, ~1 linear. */
export function growthExponent(sizes: readonly number[], ms: readonly number[]): number {
  const n = sizes.length;
  if (n < 2) return NaN;
  return Math.log(ms[n - 1] / ms[n - 2]) / Math.log(sizes[n - 1] / sizes[n - 2]);
}

export function growthRows(g: { sizes: number[]; curves: Curve[]; skipped: string[] }): BenchRow[] {
  const label = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n));
  const rows: BenchRow[] = g.curves.map((c) => {
    const k = growthExponent(g.sizes, c.ms);
    return {
      what: `growth: ${c.what}`,
      baseline: 'the same operation at the smaller sizes, same run',
      result: `${g.sizes.map((n, i) => `${label(n)}: ${fmtMs(c.ms[i])}`).join(', ')} (grows as n^${k.toFixed(2)} at the top)`,
      target: 'report the curve',
      met: null,
      data: { sizes: g.sizes, medianMs: c.ms.map((x) => round(x)), exponentAtTop: round(k, 3) },
    };
  });
  for (const reason of g.skipped) rows.push({ what: 'growth: Redis store', baseline: '-', result: `not measured: ${reason}`, target: 'report the curve', met: null, data: { skipped: reason } });
  return rows;
}

export const growth: Bench = {
  id: 'growth',
  title: 'How costs grow: context window and stores at 100, 1k, 10k and 100k messages',
  note: 'The same operations at 100, 1,000, 10,000 and 100,000 messages; one session grown to each size. The recounting baseline gets 1-2 samples at the top sizes (it takes seconds).',
  async run(progress) {
    return growthRows(await measureGrowth({}, progress));
  },
};
