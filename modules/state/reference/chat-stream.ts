import type { CallOptions, Exchange } from '../given/types.ts';

/**
 * The body of ConversationManager.chatStream(): stream a reply and yield its
 * text as it arrives; commit the turn from the final result only when the
 * stream has completed.
 *
 * Failure semantics (all-or-nothing): the user's message and the reply are
 * appended together, after the final message arrives. If the stream fails
 * (an HTTP error, a mid-stream error event, a dropped connection, an abort),
 * or the consumer stops iterating early, nothing is appended: the history is
 * exactly what it was before the call, and the text already shown was a draft.
 *
 * `yield*` hands the consumer's `break` to the adapter's generator, whose
 * `finally` aborts the upstream request.
 */
export async function* streamExchange(exchange: Exchange, input: string, options: CallOptions = {}): AsyncGenerator<string, string, undefined> {
  const prepared = await exchange.begin(input);
  try {
    const result = yield* exchange.adapter.stream(prepared.request, options);
    await exchange.commit(prepared, result);
    return result.text;
  } finally {
    exchange.end();
  }
}
