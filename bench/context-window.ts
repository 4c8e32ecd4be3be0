import {
  countSystemTokens,
  resetTokenizerStats,
  slidingWindow,
  tokenizerStats,
  withTokenCount,
  type ContextMessage,
  type WindowOptions,
  type WindowResult,
} from '../modules/context/reference/index.ts';
import { chatCorpus, type ChatText } from './corpus.ts';
import { compare, fmtMs, fmtRatio, round, type MeasureOptions } from './measure.ts';
import type { Bench, BenchRow } from './types.ts';

/**
 * The context window, computed each turn over a long history, two ways:
 *  - the module's slidingWindow, from the token counts stamped on each
 *    message when it was written (withTokenCount): no tokenizer on this path;
 *  - the baseline, "recount every message each turn": re-tokenize the whole
 *    history (withTokenCount on every message, the module's own counter),
 *    then take the same window. This is the cheapest way to recount (one pass,
 *    not a recount after every dropped message), so the ratio is conservative.
 * Both produce the same window; the bench checks that before timing anything.
 */

export const SYSTEM_PROMPT = 'You are a patient, concise assistant for a team building chat apps. Answer in plain English.';

/** A 128k-token model, 4k tokens kept for the reply: the window is a few thousand messages of the history. */
export function windowOptions(): WindowOptions {
  return { budget: 128_000, systemTokens: countSystemTokens(SYSTEM_PROMPT), reserveOutput: 4096 };
}

let stamped: ContextMessage[] = [];

/**
 * The first `n` messages of the corpus, stamped with their counts (as a store
 * would hold them). The corpus is a prefix-stable sequence, so the stamped
 * messages are cached per process and only the missing tail is stamped.
 */
export function stampedHistory(n: number, progress?: (m: string) => void): ContextMessage[] {
  if (stamped.length < n) {
    progress?.(`stamping ${(n - stamped.length).toLocaleString('en')} messages with their token counts (setup, not timed)`);
    stamped = stamped.concat(chatCorpus(n).slice(stamped.length).map((m) => withTokenCount(m)));
  }
  return stamped.slice(0, n);
}

/** The baseline: count every message again, then take the window. */
export function recountingWindow(history: readonly ChatText[], options: WindowOptions): WindowResult {
  return slidingWindow(history.map((m) => withTokenCount(m)), options);
}

export interface ContextBenchOptions {
  messages: number;
  measure?: MeasureOptions;
}

export interface ContextMeasurement {
  messages: number;
  windowMs: number;
  recountMs: number;
  ratio: number;
  /** encode() calls made by one slidingWindow call. */
  trimTokenizerCalls: number;
  /** encode() calls made by one baseline call. */
  recountTokenizerCalls: number;
  kept: number;
  windowP99Ms: number;
}

/** Time both ways over the first `messages` messages of the corpus. */
export async function measureContext(opts: ContextBenchOptions, progress: (m: string) => void = () => {}): Promise<ContextMeasurement> {
  const history = stampedHistory(opts.messages, progress);
  const raw: ChatText[] = history.map((m) => ({ role: m.role as ChatText['role'], content: m.content as string }));
  const options = windowOptions();

  // Same answer both ways, and the tokenizer calls each makes.
  resetTokenizerStats();
  const fast = slidingWindow(history, options);
  const trimTokenizerCalls = tokenizerStats().encodeCalls;
  resetTokenizerStats();
  const slow = recountingWindow(raw, options);
  const recountTokenizerCalls = tokenizerStats().encodeCalls;
  if (fast.messages.length !== slow.messages.length || fast.tokens !== slow.tokens) {
    throw new Error(`the two windows differ (${fast.messages.length} vs ${slow.messages.length} messages): the baseline is not comparable`);
  }

  let sink = 0;
  const t = await compare(
    {
      window: () => {
        sink += slidingWindow(history, options).tokens;
      },
      recount: () => {
        sink += recountingWindow(raw, options).tokens;
      },
    },
    { rounds: 3, time: 300, iterations: 3, progress, ...opts.measure },
  );
  if (sink < 0) throw new Error('unreachable');
  return {
    messages: opts.messages,
    windowMs: t.window.median,
    windowP99Ms: t.window.p99,
    recountMs: t.recount.median,
    ratio: t.recount.median / t.window.median,
    trimTokenizerCalls,
    recountTokenizerCalls,
    kept: fast.messages.length,
  };
}

export function contextRow(m: ContextMeasurement): BenchRow {
  return {
    what: `context window over a ${m.messages.toLocaleString('en')}-message history (128k budget, ${m.kept.toLocaleString('en')} messages kept), per turn`,
    baseline: `recounting every message each turn (${m.recountTokenizerCalls.toLocaleString('en')} tokenizer calls), then the same window`,
    result: `${fmtMs(m.windowMs)} vs ${fmtMs(m.recountMs)}: ${fmtRatio(m.ratio)} faster; ${m.trimTokenizerCalls} tokenizer calls on the trim path`,
    target: '>= 100x faster; 0 tokenizer calls on the trim path',
    met: m.ratio >= 100 && m.trimTokenizerCalls === 0,
    data: {
      messages: m.messages,
      keptMessages: m.kept,
      windowMedianMs: round(m.windowMs),
      windowP99Ms: round(m.windowP99Ms),
      recountMedianMs: round(m.recountMs),
      ratio: round(m.ratio, 3),
      trimTokenizerCalls: m.trimTokenizerCalls,
      recountTokenizerCalls: m.recountTokenizerCalls,
    },
  };
}

export const contextWindow: Bench = {
  id: 'context',
  title: 'Context window over a 10,000-message history: stored counts vs recounting',
  note: "One turn's window over a 10,000-message history (128k-token budget): slidingWindow from the counts stamped at write time, against re-tokenizing every message with the same counter and taking the same window (the two results are checked equal first). Tokenizer calls counted with tokenizerStats().",
  async run(progress) {
    return [contextRow(await measureContext({ messages: 10_000 }, progress))];
  },
};
