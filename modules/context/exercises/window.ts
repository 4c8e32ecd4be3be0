import { todo } from '../../shared/not-implemented.ts';
import { ContextOverflowError } from '../given/errors.ts';
import { REPLY_PRIMING_TOKENS, type ContextMessage } from './messages.ts';
import { splitTurns } from './turns.ts';

/** Exercise "sliding-window": the longest suffix of whole turns that fits. */

export interface WindowOptions {
  /**
   * The token budget of the whole request: the context size (or a lower cap of
   * your own). The system prompt, the messages, the reply priming and the
   * reserved output must all fit in it.
   */
  budget: number;
  /** Stored count of the system prompt (countSystemTokens), 0 if there is none. */
  systemTokens: number;
  /** Tokens kept free for the reply. */
  reserveOutput: number;
  /** Keep at most this many turns, the current one included (e.g. "the last 10 turns"). */
  maxTurns?: number;
}

export interface WindowResult {
  /** A suffix of the history made of whole turns, ending with the current turn. Same objects as the history. */
  messages: ContextMessage[];
  /** Messages of the history left out. */
  dropped: number;
  /** Whole turns left out (messages before the first user input belong to no turn). */
  droppedTurns: number;
  /** Sum of the stored counts of the messages kept. */
  tokens: number;
  /** What the request will send: systemTokens + tokens + reply priming. */
  inputTokens: number;
}

/**
 * The longest suffix of whole turns that fits the budget, from the counts
 * stored at write time: no tokenizer call, and the history is only read (the
 * window is a view; nothing is deleted). The current turn is always kept; if
 * it cannot fit together with the system prompt and the reserved output, a
 * ContextOverflowError says so instead of cutting it.
 *
 * Room for messages = budget - systemTokens - reserveOutput - REPLY_PRIMING_TOKENS.
 */
export function slidingWindow(history: readonly ContextMessage[], options: WindowOptions): WindowResult {
  return todo('sliding-window');
}
