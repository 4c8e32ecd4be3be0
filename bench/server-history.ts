import path from 'node:path';
import { openSqliteStore, type LoadHistoryOptions, type SessionStore } from '../modules/persistence/reference/index.ts';
import { createApp, type MilestoneApp } from '../labs/milestone/server/app.ts';
import { DEFAULTS } from '../labs/milestone/server/config.ts';
import { openProvider } from '../labs/milestone/server/provider.ts';
import { chatCorpus } from './corpus.ts';
import { GROWTH_SIZES, growthExponent } from './growth.ts';
import { compare, fmtMs, fmtRatio, measure, round, type MeasureOptions } from './measure.ts';
import { fillSession, tempDir, toNewMessages } from './sqlite-store.ts';
import type { Bench, BenchRow } from './types.ts';

/**
 * The milestone server's first token as a session grows: one message sent to
 * a session of 100, 1,000, 10,000 and 100,000 stored messages (the bench
 * corpus, ~48 tokens a message, so past 1,000 the history is over the
 * default 50,000-token limit and the window strategy is in effect), against
 * a 2-message session in the same run. Timed from app.fetch(request) to the
 * first text event, with the simulator instant and in-process and SQLite on
 * disk, so what remains is the server's own per-message work: reading the
 * history, building the ConversationManager, the window.
 *
 * Then GET /stats right after a reply, as the page asks for it, timed alone.
 *
 * Twice per size, interleaved: the server as it is (it reads the history from
 * its end, and /stats only what is new), and the same server over a store that
 * always reads the whole history (how every message and /stats call was served
 * before), so the curve it replaced is beside it.
 */

export interface HistoryCurve {
  sizes: number[];
  /** Median ms to the first text event, per size. */
  windowed: number[];
  wholeRead: number[];
  /** Messages the store returned for one message sent, per size. */
  windowedRead: number[];
  wholeReadRead: number[];
  /** A 2-message session, same run. */
  freshMs: number;
  /** GET /stats right after a reply: median ms and messages read, per size. */
  stats: { windowed: number[]; wholeRead: number[]; windowedRead: number[]; wholeReadRead: number[] };
}

/**
 * Counts the messages loadHistory returns. `whole`: the server as it was, one read of the whole
 * history per message: the session's turn count is hidden (0), which sends the server straight to
 * its whole-history read, as for a session too short to read in parts.
 */
function countingStore(store: SessionStore, whole: boolean): { store: SessionStore; read: () => number } {
  let read = 0;
  const loadHistory = async (id: string, opts?: LoadHistoryOptions) => {
    const messages = await store.loadHistory(id, whole ? {} : opts);
    read += messages.length;
    return messages;
  };
  const getSession = async (id: string) => {
    const info = await store.getSession(id);
    return info && whole ? { ...info, turns: 0 } : info;
  };
  // Every other method is the store's own, called on the store (its private fields need `this` to be it).
  const wrapped = new Proxy(store, {
    get: (target, key) => {
      if (key === 'loadHistory') return loadHistory;
      if (key === 'getSession') return getSession;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: wrapped, read: () => read };
}

function appOver(store: SessionStore, contextMaxTokens: number): MilestoneApp {
  const provider = openProvider({ provider: 'sim', simUrl: null, simWire: 'anthropic', simSpeed: 0, model: null, summaryModel: null });
  return createApp({
    store,
    adapter: provider.adapter,
    model: provider.model,
    summaryModel: provider.summaryModel,
    maxTokens: 16,
    context: { strategy: DEFAULTS.contextStrategy, maxTokens: contextMaxTokens, keepTurns: DEFAULTS.contextKeepTurns },
    onDisconnect: DEFAULTS.onDisconnect,
    stallTimeoutMs: 60_000,
  });
}

const decoder = new TextDecoder();

/** Send one message; resolve with ms to the first text event, after reading the stream to its done event. */
async function firstToken(app: MilestoneApp, sessionId: string): Promise<number> {
  const started = performance.now();
  const res = await app.fetch(
    new Request(`http://bench.invalid/chat/stream/${sessionId}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'And what comes next?' }) }),
  );
  if (res.status !== 200 || !res.body) throw new Error(`POST /chat/stream/${sessionId} answered ${res.status}: ${await res.text()}`);
  let first = NaN;
  let seen = '';
  for await (const chunk of res.body) {
    seen += decoder.decode(chunk, { stream: true });
    if (Number.isNaN(first) && seen.includes('data: {"text"')) first = performance.now() - started;
  }
  if (Number.isNaN(first) || !seen.includes('"done":true') || seen.includes('data: {"error"')) throw new Error(`the reply to session ${sessionId} did not stream cleanly: ${seen.slice(-300)}`);
  return first;
}

export async function measureServerHistory(
  opts: { sizes?: readonly number[]; measure?: MeasureOptions; /** Default: the server's (50,000). */ contextMaxTokens?: number } = {},
  progress: (m: string) => void = () => {},
): Promise<HistoryCurve> {
  const sizes = [...(opts.sizes ?? GROWTH_SIZES)];
  const tmp = tempDir();
  const store = await openSqliteStore({ path: path.join(tmp.dir, 'server-history.db') });
  try {
    const windowed = countingStore(store, false);
    const whole = countingStore(store, true);
    const limit = opts.contextMaxTokens ?? DEFAULTS.contextMaxTokens;
    const apps = { windowed: appOver(windowed.store, limit), whole: appOver(whole.store, limit) };
    type Which = 'windowed' | 'whole';
    const counters = { windowed, whole };
    const stats = async (which: Which, id: string) => {
      const res = await apps[which].fetch(new Request(`http://bench.invalid/sessions/${id}/stats`));
      if (res.status !== 200) throw new Error(`GET /sessions/${id}/stats answered ${res.status}`);
      await res.json();
    };
    /** Both servers at one size, interleaved (compare: alternating rounds), sends then /stats. */
    const atSize = async (id: string, size: number): Promise<Record<Which, { ms: number; read: number; statsMs: number; statsRead: number }>> => {
      // A fixed number of sends (each adds a turn, so a time budget would grow the small sessions a lot),
      // after two untimed ones each; fewer at the top size, where reading everything takes most of a second.
      const budget: MeasureOptions = { rounds: 3, time: 1, iterations: size >= 100_000 ? 3 : 4, warmup: false, ...opts.measure };
      for (const which of ['windowed', 'whole'] as const) for (let i = 0; i < 2; i++) await firstToken(apps[which], id);
      const reads = { windowed: { sends: 0, read: 0, calls: 0, statsRead: 0 }, whole: { sends: 0, read: 0, calls: 0, statsRead: 0 } };
      const send = (which: Which) => async () => {
        const from = counters[which].read();
        await firstToken(apps[which], id);
        reads[which].sends++;
        reads[which].read += counters[which].read() - from;
      };
      const sends = await compare({ windowed: send('windowed'), whole: send('whole') }, budget);
      // GET /stats right after a reply, as the page does (the reply untimed), after one untimed call
      // each (the first after the fill counts everything the fill added).
      for (const which of ['windowed', 'whole'] as const) await stats(which, id);
      const statsAfterReply = (which: Which) => ({
        fn: async () => {
          const from = counters[which].read();
          await stats(which, id);
          reads[which].calls++;
          reads[which].statsRead += counters[which].read() - from;
        },
        beforeEach: async () => void (await firstToken(apps[which], id)),
        async: true,
      });
      const calls = await compare({ windowed: statsAfterReply('windowed'), whole: statsAfterReply('whole') }, budget);
      const result = (which: Which) => ({
        ms: sends[which].median,
        read: reads[which].read / reads[which].sends,
        statsMs: calls[which].median,
        statsRead: reads[which].statsRead / reads[which].calls,
      });
      return { windowed: result('windowed'), whole: result('whole') };
    };

    const fresh = await store.createSession({});
    await fillSession(store, fresh.id, toNewMessages(chatCorpus(2, 23)));
    const freshMs = (await measure(async () => void (await firstToken(apps.windowed, fresh.id)), { rounds: 1, time: 200, iterations: 20, ...opts.measure })).median;

    const { id } = await store.createSession({});
    const corpus = toNewMessages(chatCorpus(Math.max(...sizes), 29));
    const out: HistoryCurve = { sizes, windowed: [], wholeRead: [], windowedRead: [], wholeReadRead: [], freshMs, stats: { windowed: [], wholeRead: [], windowedRead: [], wholeReadRead: [] } };
    let filled = 0;
    for (const size of sizes) {
      progress(`server history: filling a session to ${size.toLocaleString('en')} messages`);
      // Each timed send adds a turn (2 messages); the fill tops up from the corpus to the size.
      const count = (await store.getSession(id))?.turns ?? 0;
      const missing = Math.max(0, size - count * 2);
      await fillSession(store, id, corpus.slice(filled, filled + missing));
      filled += missing;
      const { windowed: w, whole: a } = await atSize(id, size);
      out.windowed.push(w.ms);
      out.windowedRead.push(w.read);
      out.wholeRead.push(a.ms);
      out.wholeReadRead.push(a.read);
      out.stats.windowed.push(w.statsMs);
      out.stats.windowedRead.push(w.statsRead);
      out.stats.wholeRead.push(a.statsMs);
      out.stats.wholeReadRead.push(a.statsRead);
      progress(`server history at ${size.toLocaleString('en')}: first token ${fmtMs(w.ms)} (${Math.round(w.read)} messages read), reading it whole ${fmtMs(a.ms)}; /stats ${fmtMs(w.statsMs)} (${Math.round(w.statsRead)} read), reading it whole ${fmtMs(a.statsMs)}`);
    }
    return out;
  } finally {
    await store.close();
    tmp.remove();
  }
}

export function serverHistoryRows(c: HistoryCurve): BenchRow[] {
  const label = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n));
  const curve = (ms: number[], read: number[]) => c.sizes.map((n, i) => `${label(n)}: ${fmtMs(ms[i])} (${Math.round(read[i]).toLocaleString('en')} read)`).join(', ');
  const top = c.sizes.length - 1;
  return [
    {
      what: 'growth: milestone server, time to the first token by session length (window strategy, the default)',
      baseline: `a 2-message session, same run: ${fmtMs(c.freshMs)}; the same server reading the whole history per message (below)`,
      result:
        `${curve(c.windowed, c.windowedRead)} (grows as n^${growthExponent(c.sizes, c.windowed).toFixed(2)} at the top); ` +
        `at ${label(c.sizes[top])} ${fmtRatio(c.wholeRead[top] / c.windowed[top])} faster than reading it whole`,
      target: 'report the curve',
      met: null,
      data: {
        sizes: c.sizes,
        medianMs: c.windowed.map((x) => round(x)),
        messagesRead: c.windowedRead.map((x) => round(x)),
        freshMs: round(c.freshMs),
        exponentAtTop: round(growthExponent(c.sizes, c.windowed), 3),
      },
    },
    {
      what: 'growth: milestone server reading the whole history per message (the baseline)',
      baseline: 'the same operation at the smaller sizes, same run',
      result: `${curve(c.wholeRead, c.wholeReadRead)} (grows as n^${growthExponent(c.sizes, c.wholeRead).toFixed(2)} at the top)`,
      target: 'report the curve',
      met: null,
      data: { sizes: c.sizes, medianMs: c.wholeRead.map((x) => round(x)), messagesRead: c.wholeReadRead.map((x) => round(x)), exponentAtTop: round(growthExponent(c.sizes, c.wholeRead), 3) },
    },
    {
      what: 'growth: milestone server, GET /stats right after a reply (as the page asks), by session length',
      baseline: 'the same server reading the whole history per call (below)',
      result:
        `${curve(c.stats.windowed, c.stats.windowedRead)} (grows as n^${growthExponent(c.sizes, c.stats.windowed).toFixed(2)} at the top); ` +
        `at ${label(c.sizes[top])} ${fmtRatio(c.stats.wholeRead[top] / c.stats.windowed[top])} faster than reading it whole`,
      target: 'report the curve',
      met: null,
      data: { sizes: c.sizes, medianMs: c.stats.windowed.map((x) => round(x)), messagesRead: c.stats.windowedRead.map((x) => round(x)), exponentAtTop: round(growthExponent(c.sizes, c.stats.windowed), 3) },
    },
    {
      what: 'growth: milestone server, GET /stats reading the whole history per call (the baseline)',
      baseline: 'the same operation at the smaller sizes, same run',
      result: `${curve(c.stats.wholeRead, c.stats.wholeReadRead)} (grows as n^${growthExponent(c.sizes, c.stats.wholeRead).toFixed(2)} at the top)`,
      target: 'report the curve',
      met: null,
      data: { sizes: c.sizes, medianMs: c.stats.wholeRead.map((x) => round(x)), messagesRead: c.stats.wholeReadRead.map((x) => round(x)), exponentAtTop: round(growthExponent(c.sizes, c.stats.wholeRead), 3) },
    },
  ];
}

export const serverHistory: Bench = {
  id: 'server-history',
  title: 'Milestone server: the first token, and /stats, as a session grows to 100, 1k, 10k and 100k messages',
  note:
    'One message sent through the milestone app (in this process, simulator instant, SQLite on disk, the default context policy: window, 50,000 tokens, 10 turns) to a session of each size (bench corpus, ~48 tokens a message), ' +
    'timed from the request to the first text event; each size also through a store that ignores lastTurns, so every message reads the whole history, as the server did before it read the window from the end. ' +
    'Up to ~1,000 messages the history is under the limit and is sent whole, so the simulator reading it is in the figure; past it only the window is sent. Then GET /stats right after each reply, as the page asks, timed alone, against the same whole-history store. The two servers take turns (alternating rounds) on the same session. "read": messages the store returned per call (each timed send adds a turn; those short turns at the end make the window read-ahead estimate overshoot: ~2,100 messages read where ~1,100 hold 50,000 tokens).',
  async run(progress) {
    return serverHistoryRows(await measureServerHistory({}, progress));
  },
};
