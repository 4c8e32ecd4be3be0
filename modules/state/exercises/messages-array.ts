import { todo } from '../../shared/not-implemented.ts';
import type { ChatAdapter } from '../given/types.ts';

export interface AskOptions {
  model: string;
  /** Default 512. */
  maxTokens?: number;
  /** Default '' (none). Sent with every call. */
  systemPrompt?: string;
}

/**
 * The wrong way, on purpose: send each input as its own call, with a
 * messages array holding only that input. Return the replies, in order.
 *
 * Run it with "My name is Ajay" then "What is my name?" and watch the model
 * not know: it never saw the first call.
 */
export async function askStateless(adapter: ChatAdapter, inputs: readonly string[], options: AskOptions): Promise<string[]> {
  void adapter;
  void inputs;
  void options;
  return todo('state-messages-array');
}

/**
 * The right way: keep ONE messages array for the whole conversation. For
 * each input, append it as a user message, send the whole array, append the
 * reply as an assistant message. Return the replies, in order.
 *
 * Careful: hand the adapter a copy of the array (or a fresh one each call),
 * not the array you keep appending to.
 */
export async function askWithHistory(adapter: ChatAdapter, inputs: readonly string[], options: AskOptions): Promise<string[]> {
  void adapter;
  void inputs;
  void options;
  return todo('state-messages-array');
}
