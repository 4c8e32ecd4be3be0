import { ContextOverflowError } from '../given/errors.ts';
import { REPLY_PRIMING_TOKENS, type ContextMessage } from './messages.ts';
import { isTurnStart, storedTokens } from './turns.ts';

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
 */
export function slidingWindow(history: readonly ContextMessage[], options: WindowOptions): WindowResult {
  const { budget, systemTokens, reserveOutput } = options;
  const maxTurns = options.maxTurns ?? Number.POSITIVE_INFINITY;
  if (!(maxTurns >= 1)) throw new RangeError(`maxTurns must be at least 1 (the current turn), got ${options.maxTurns}`);

  const available = budget - systemTokens - reserveOutput - REPLY_PRIMING_TOKENS;
  const overflow = (currentTurnTokens: number) =>
    new ContextOverflowError({ systemTokens, currentTurnTokens, primingTokens: REPLY_PRIMING_TOKENS, reserveOutput, available: budget });

  // The same turns as splitTurns, without building them: that would be an object per turn of
  // the whole history on every message sent, and the window only reads the end of it.
  // First every stored count is checked (the first missing one is named) and the turns counted...
  let turns = 0;
  for (let i = 0; i < history.length; i++) {
    storedTokens(history, i);
    if (isTurnStart(history[i])) turns += 1;
  }
  if (turns === 0) {
    if (available < 0) throw overflow(0);
    return { messages: [], dropped: history.length, droppedTurns: 0, tokens: 0, inputTokens: systemTokens + REPLY_PRIMING_TOKENS };
  }

  // ...then walk back from the end one whole turn at a time (a turn is complete when its
  // user input is reached), and stop at the first that does not fit, so the result stays a suffix.
  let start = history.length;
  let kept = 0;
  let used = 0;
  let pending = 0;
  for (let i = history.length - 1; i >= 0 && kept < maxTurns; i--) {
    pending += history[i].tokens as number;
    if (!isTurnStart(history[i])) continue;
    if (used + pending > available) {
      if (kept === 0) throw overflow(pending); // the current turn is never cut
      break;
    }
    used += pending;
    pending = 0;
    kept += 1;
    start = i;
  }

  const messages = history.slice(start);
  return {
    messages,
    dropped: start,
    droppedTurns: turns - kept,
    tokens: used,
    inputTokens: systemTokens + used + REPLY_PRIMING_TOKENS,
  };
}
