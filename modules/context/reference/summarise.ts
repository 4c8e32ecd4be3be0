import { REPLY_PRIMING_TOKENS, withTokenCount, type ContextMessage } from './messages.ts';
import type { Encoding } from './tokens.ts';
import { splitTurns } from './turns.ts';
import { slidingWindow, type WindowOptions } from './window.ts';

/**
 * Summarise the turns that no longer fit, with a cheap model, and send the
 * summary plus the recent turns.
 *
 * The summary enters the request as a user message "[Summary of earlier
 * conversation]: ..." and a short assistant acknowledgement, in front of the
 * recent turns. It stays out of the system prompt so that the system prompt is
 * byte-identical on every call (prompt caching keeps working) and so that text
 * derived from the conversation never gains the authority of instructions.
 */

/** Writes a summary of some turns, extending the previous summary if there is one. */
export type Summariser = (turnsToSummarise: ContextMessage[], previousSummary: string | null) => Promise<string>;

/** A summary as you store it beside the history. */
export interface StoredSummary {
  text: string;
  /** First turn covered (0-based turn index, see splitTurns). */
  coversFromTurn: number;
  /** Last turn covered, inclusive. */
  coversToTurn: number;
  /** What the summary costs in the window: the summary message plus the acknowledgement. */
  tokens: number;
}

export const SUMMARY_PREFIX = '[Summary of earlier conversation]: ';
export const SUMMARY_ACK = 'Understood. I will keep the earlier conversation in mind.';

export interface SummariseOptions extends Omit<WindowOptions, 'maxTurns'> {
  summarise: Summariser;
  /** The summary stored after the previous call, if any: it is extended, never rebuilt. */
  previous?: StoredSummary | null;
  /** Turns sent verbatim at most (the current one included); older turns are summarised. */
  keepRecentTurns: number;
  /** Tokenizer for the summary message. Default cl100k_base. */
  encoding?: Encoding;
}

export interface SummariseResult {
  /** What to send: [summary, acknowledgement, ...recent whole turns], or the plain window on fallback. */
  messages: ContextMessage[];
  /** The summary to store (the previous one if nothing new was summarised or the summariser failed). */
  summary: StoredSummary | null;
  /** True when the summariser failed (or its summary left no room) and the sliding window was sent instead. */
  usedFallback: boolean;
  /** Why the fallback was used. */
  error?: unknown;
  /** Sum of the counts of the messages sent. */
  tokens: number;
  /** systemTokens + tokens + reply priming. */
  inputTokens: number;
}

const ackTokens = new Map<Encoding, number>();

function acknowledgementTokens(encoding: Encoding): number {
  let tokens = ackTokens.get(encoding);
  if (tokens === undefined) {
    tokens = withTokenCount({ role: 'assistant', content: SUMMARY_ACK }, { encoding }).tokens;
    ackTokens.set(encoding, tokens);
  }
  return tokens;
}

/** Count a new summary once, when it is written. */
function storeSummary(text: string, coversFromTurn: number, coversToTurn: number, encoding: Encoding): StoredSummary {
  const message = withTokenCount({ role: 'user', content: SUMMARY_PREFIX + text }, { encoding });
  return { text, coversFromTurn, coversToTurn, tokens: message.tokens + acknowledgementTokens(encoding) };
}

/** The two messages a stored summary becomes, with their counts taken from the stored figure (no re-count). */
export function summaryMessages(summary: StoredSummary, encoding: Encoding = 'cl100k_base'): [ContextMessage, ContextMessage] {
  const ack = acknowledgementTokens(encoding);
  return [
    { role: 'user', content: SUMMARY_PREFIX + summary.text, tokens: summary.tokens - ack },
    { role: 'assistant', content: SUMMARY_ACK, tokens: ack },
  ];
}

/**
 * Keep the last `keepRecentTurns` whole turns that fit, and replace every
 * older turn by a summary. Incremental: the previous summary is passed to the
 * summariser together with only the turns dropped since it was written. If
 * summary + recent turns do not fit, older recent turns move into the summary.
 * If the summariser throws (or its summary cannot fit beside the current
 * turn), the plain sliding window is returned with usedFallback: true.
 * Throws ContextOverflowError when even the current turn cannot fit.
 */
export async function summariseOldTurns(history: readonly ContextMessage[], options: SummariseOptions): Promise<SummariseResult> {
  const { summarise, keepRecentTurns, budget, systemTokens, reserveOutput } = options;
  const encoding = options.encoding ?? 'cl100k_base';
  const windowOptions: WindowOptions = { budget, systemTokens, reserveOutput };
  let summary = options.previous ?? null;

  const turns = splitTurns(history);
  if (summary !== null && turns.length > 0 && summary.coversToTurn >= turns.length - 1) {
    throw new RangeError(`The previous summary covers turns up to ${summary.coversToTurn}, but the history has ${turns.length} turns: the current turn is never summarised.`);
  }
  // The recent turns as a plain window capped at keepRecentTurns (throws ContextOverflowError if nothing fits).
  const recent = slidingWindow(history, { ...windowOptions, maxTurns: keepRecentTurns });
  let first = recent.droppedTurns;
  if (first === 0) {
    return { messages: recent.messages, summary, usedFallback: false, tokens: recent.tokens, inputTokens: recent.inputTokens };
  }
  if (summary !== null && summary.coversToTurn >= first) first = summary.coversToTurn + 1;

  const available = budget - systemTokens - reserveOutput - REPLY_PRIMING_TOKENS;
  const suffix: number[] = new Array<number>(turns.length + 1).fill(0);
  for (let i = turns.length - 1; i >= 0; i--) suffix[i] = suffix[i + 1] + turns[i].tokens;

  try {
    for (;;) {
      const coveredTo = summary === null ? -1 : summary.coversToTurn;
      if (coveredTo < first - 1) {
        const newlyDropped = history.slice(turns[coveredTo + 1].start, turns[first].start);
        const text = (await summarise(newlyDropped, summary === null ? null : summary.text)).trim();
        if (text === '') throw new Error('The summariser returned an empty summary.');
        summary = storeSummary(text, summary === null ? 0 : summary.coversFromTurn, first - 1, encoding);
      }
      const cost = (summary as StoredSummary).tokens;
      let next = first;
      while (next < turns.length - 1 && cost + suffix[next] > available) next += 1;
      if (cost + suffix[next] > available) throw new Error(`The summary (${cost} tokens) leaves no room for the current turn.`);
      if (next === first) break;
      first = next; // these turns no longer fit beside the summary: summarise them too
    }
  } catch (error) {
    const window = slidingWindow(history, windowOptions);
    return { messages: window.messages, summary, usedFallback: true, error, tokens: window.tokens, inputTokens: window.inputTokens };
  }

  const stored = summary as StoredSummary;
  const messages = [...summaryMessages(stored, encoding), ...history.slice(turns[first].start)];
  const tokens = stored.tokens + suffix[first];
  return { messages, summary: stored, usedFallback: false, tokens, inputTokens: systemTokens + tokens + REPLY_PRIMING_TOKENS };
}
