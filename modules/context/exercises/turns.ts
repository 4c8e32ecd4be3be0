import { todo } from '../../shared/not-implemented.ts';
import type { ContextMessage } from './messages.ts';

/**
 * Exercise "group-turns". A turn: one user input and everything that answers
 * it (assistant replies, tool calls and their results), up to the next user
 * input. Turns are the only unit a window may drop, which is what keeps a tool
 * call and its results together: both always live in the same turn.
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

/**
 * A user message that is not carrying tool results, i.e. a new input from the
 * person. (Anthropic sends tool results in a user message of tool_result
 * blocks; OpenAI in `tool` messages.)
 */
export function isTurnStart(message: ContextMessage): boolean {
  return todo('group-turns');
}

/**
 * Split a history into turns using the counts stored at write time (no
 * tokenizer). Messages before the first user input belong to no turn and are
 * never sent. Throws a TypeError naming the first message without a stored
 * count ("history[3] has no stored token count ...").
 */
export function splitTurns(history: readonly ContextMessage[]): Turn[] {
  return todo('group-turns');
}
