import { todo } from '../../shared/not-implemented.ts';
import type { CallOptions, Exchange } from '../given/types.ts';

/**
 * The body of ConversationManager.chatStream() (the manager hands you its
 * Exchange: begin, commit, end, and the adapter).
 *
 * Yield the reply's text as it arrives; commit the turn only once the
 * adapter's stream has completed, from the ChatResult it returns (built from
 * the final message). Return the reply's text.
 *
 * The rules to keep:
 *  - nothing is appended until the stream completes (not even the user's message);
 *  - if anything fails, or the consumer stops early with `break`, the history
 *    stays exactly as it was before the call;
 *  - the conversation is released (end()) on every path: success, error, break;
 *  - a consumer's `break` must reach the adapter's generator so it can abort
 *    the upstream request (hint: yield*).
 * If begin() throws, it has not marked the conversation busy: do not call end().
 */
// eslint-disable-next-line require-yield
export async function* streamExchange(exchange: Exchange, input: string, options: CallOptions = {}): AsyncGenerator<string, string, undefined> {
  void exchange;
  void input;
  void options;
  return todo('state-chat-stream');
}
