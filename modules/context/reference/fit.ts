import { countMessageTokens, countSystemTokens, type CountableMessage } from './messages.ts';
import type { Encoding } from './tokens.ts';

export interface WillFitOptions {
  /** The system prompt ('' for none). */
  system: string;
  messages: readonly CountableMessage[];
  /** The model's context window: input and output share it. */
  contextSize: number;
  /** Tokens kept free for the reply (what you pass as max_tokens). */
  reserveOutput: number;
  encoding?: Encoding;
  model?: string;
}

/**
 * Whether a request leaves room for its reply: system prompt + messages (with
 * the cookbook overhead and reply priming) + reserved output <= context size.
 * Exactly filling the window fits.
 */
export function willFit(options: WillFitOptions): boolean {
  const counting = { encoding: options.encoding, model: options.model };
  const input = countSystemTokens(options.system, counting) + countMessageTokens(options.messages, counting);
  return input + options.reserveOutput <= options.contextSize;
}
