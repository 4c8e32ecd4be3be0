/**
 * How much of a session's stored history one message needs, read from the
 * end. Once the history is over the context limit only its end is sent (the
 * window, or a summary plus the window), so it is read from the end: the last
 * 32 turns, and while the part read is under the limit, as many more turns as
 * its size says should pass it (and a quarter more; at least twice as many),
 * until the part is over the limit on its own (then so is the whole history,
 * and whatever is sent falls inside the part) or is the whole history. A
 * 100,000-message session then costs a message what its last thousand or so
 * messages do, not a read of all of them.
 *
 * Read whole: under 'none' (everything is sent), and under 'summary' until
 * this process holds a summary of the session (it has to summarise from the
 * first turn; summaries are kept in memory). With one, the part also reaches
 * back to the first turn the summary does not cover yet.
 */
import type { SessionInfo, SessionStore, StoredMessage } from '../../../modules/persistence/reference/index.ts';
import type { ContextPolicy } from './context.ts';

/** Turns in the first read of a long history: more than a window usually holds. */
export const FIRST_READ_TURNS = 32;

export interface HistoryRead {
  stored: StoredMessage[];
  /** Turns before `stored` that were not read (0 for a whole read): turn i of `stored` is turn i + turnOffset of the session. */
  turnOffset: number;
}

export interface ReadOptions {
  policy: ContextPolicy;
  /** System prompt + the new message + reply priming: what every request holds besides the history. */
  fixedTokens: number;
  /** A stored message's tokens (its stored count, or counted now). */
  tokensOf(message: StoredMessage): number;
  /** Summary strategy: the last turn (0-based) this process's summary of the session covers, or null without one. */
  summaryCoversToTurn?: number | null;
}

export async function readHistory(store: SessionStore, info: SessionInfo, options: ReadOptions): Promise<HistoryRead> {
  const { policy, fixedTokens } = options;
  const whole = async (): Promise<HistoryRead> => ({ stored: await store.loadHistory(info.id), turnOffset: 0 });
  if (policy.strategy === 'none') return whole();
  let lastTurns = Math.max(FIRST_READ_TURNS, policy.keepTurns);
  if (policy.strategy === 'summary') {
    const covered = options.summaryCoversToTurn ?? null;
    if (covered === null) return whole();
    lastTurns = Math.max(lastTurns, info.turns - (covered + 1));
  }
  for (;;) {
    if (lastTurns >= info.turns) return whole();
    const part = await store.loadHistory(info.id, { lastTurns });
    let tokens = 0;
    let userTurns = 0;
    for (const m of part) {
      tokens += options.tokensOf(m);
      if (m.role === 'user') userTurns++;
    }
    // info.turns was read just before: a turn another process stored since would shift this by one
    // (one process per session is the server's model: the busy lock is per process too).
    if (fixedTokens + tokens > policy.maxTokens) return { stored: part, turnOffset: Math.max(0, info.turns - userTurns) };
    const perTurn = Math.max(1, tokens / lastTurns);
    lastTurns = Math.max(lastTurns * 2, Math.ceil((1.25 * (policy.maxTokens - fixedTokens)) / perTurn));
  }
}
