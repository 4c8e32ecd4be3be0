import type { ContextMessage } from './messages.ts';

/**
 * A turn: one user input and everything that answers it (assistant replies,
 * tool calls and their results), up to the next user input. Turns are the
 * only unit a window may drop, which is what keeps a tool call and its
 * results together: both always live in the same turn.
 */
export interface Turn {
  /** 0-based position among the history's turns. */
  index: number;
  /** Index in the history of the turn's first message (always a user input). */
  start: number;
  /** Index in the history just past the turn's last message. */
  end: number;
  /** Sum of the stored counts of the turn's messages. */
  tokens: number;
}

/** A user message that is not carrying tool results, i.e. a new input from the person. */
export function isTurnStart(message: ContextMessage): boolean {
  if (message.role !== 'user') return false;
  return typeof message.content === 'string' || !message.content.some((block) => block.type === 'tool_result');
}

/**
 * Split a history into turns using the counts stored at write time (no
 * tokenizer). Messages before the first user input belong to no turn and are
 * never sent. Throws a TypeError naming the first message without a stored count.
 */
export function splitTurns(history: readonly ContextMessage[]): Turn[] {
  const turns: Turn[] = [];
  let current: Turn | null = null;
  for (let i = 0; i < history.length; i++) {
    const message = history[i];
    const tokens = storedTokens(history, i);
    if (isTurnStart(message)) {
      current = { index: turns.length, start: i, end: i + 1, tokens };
      turns.push(current);
    } else if (current !== null) {
      current.end = i + 1;
      current.tokens += tokens;
    }
  }
  return turns;
}

/** history[i]'s stored count; a TypeError naming the message if it has none. */
export function storedTokens(history: readonly ContextMessage[], i: number): number {
  const tokens = history[i].tokens;
  if (typeof tokens !== 'number' || !Number.isFinite(tokens) || tokens < 0) {
    throw new TypeError(`history[${i}] has no stored token count: stamp messages with withTokenCount() when you write them.`);
  }
  return tokens;
}
