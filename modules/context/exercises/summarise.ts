import { todo } from '../../shared/not-implemented.ts';
import { ContextOverflowError } from '../given/errors.ts';
import { REPLY_PRIMING_TOKENS, withTokenCount, type ContextMessage } from './messages.ts';
import type { Encoding } from './tokens.ts';
import { splitTurns } from './turns.ts';
import { slidingWindow, type WindowOptions } from './window.ts';

/**
 * Exercise "summarise-old-turns": summarise the turns that no longer fit, with
 * a cheap model, and send the summary plus the recent turns.
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

// Given: the acknowledgement is always the same text, so its count is computed once per encoding.
const ackTokens = new Map<Encoding, number>();

function acknowledgementTokens(encoding: Encoding): number {
  let tokens = ackTokens.get(encoding);
  if (tokens === undefined) {
    tokens = withTokenCount({ role: 'assistant', content: SUMMARY_ACK }, { encoding }).tokens;
    ackTokens.set(encoding, tokens);
  }
  return tokens;
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
 * summariser together with only the turns dropped since it was written
 * (coversToTurn + 1 onwards). If summary + recent turns do not fit, older
 * recent turns move into the summary. If the summariser throws or returns
 * nothing (or its summary cannot fit beside the current turn), the plain
 * sliding window is returned with usedFallback: true and the error. Throws
 * ContextOverflowError when even the current turn cannot fit.
 *
 * A new summary's `tokens` is withTokenCount of the summary message plus the
 * acknowledgement's count, so that summaryMessages() can rebuild both messages
 * later without counting again.
 */
export async function summariseOldTurns(history: readonly ContextMessage[], options: SummariseOptions): Promise<SummariseResult> {
  return todo('summarise-old-turns');
}
