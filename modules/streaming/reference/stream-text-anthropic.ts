/**
 * Exercise stream-text-anthropic: stream a reply with the Anthropic SDK.
 *
 * `client.messages.stream(params)` returns a MessageStream. It starts the
 * request at once and reads the response as it arrives, whether or not you
 * are iterating yet, so two details matter:
 *  - create its event iterator straight away, or deltas that arrive before
 *    you start iterating are not queued for you;
 *  - ask for `finalMessage()` straight away too, and keep the promise: the SDK
 *    raises an unhandled rejection for a failed stream nobody is waiting on;
 *  - when the SDK's iterator ends, await that promise before you finish: if
 *    the stream failed (or was aborted) while nobody was waiting on the
 *    iterator, the iterator just ends, and only the promise says it failed.
 * The text is in `content_block_delta` events whose delta is a `text_delta`.
 * The history-ready message (all blocks, stop reason, usage) is what
 * `finalMessage()` resolves to: never rebuild it from the deltas yourself.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { FinalReply, ReplyStream, StreamOptions } from '../given/types.ts';

/** A ReplyStream that also offers the SDK's own assembled Message. */
export interface AnthropicReplyStream extends ReplyStream {
  finalMessage(): Promise<Anthropic.Message>;
}

/** The provider-neutral view of an Anthropic Message. */
export function anthropicFinalReply(message: Anthropic.Message): FinalReply {
  const text = message.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('');
  return {
    text,
    usage: { input: message.usage.input_tokens, output: message.usage.output_tokens },
    stopReason: message.stop_reason,
  };
}

export function streamAnthropic(client: Anthropic, params: Anthropic.MessageStreamParams, options: StreamOptions = {}): AnthropicReplyStream {
  const stream = client.messages.stream(params, { signal: options.signal });
  // Both at once: the iterator queues every event from the start, the promise marks errors as handled.
  const events = stream[Symbol.asyncIterator]();
  const finalMessage: Promise<Anthropic.Message> = stream.finalMessage();
  finalMessage.catch(() => {});

  return {
    async *[Symbol.asyncIterator]() {
      // for-await over the SDK iterator: a consumer that stops early (break, return) aborts the request.
      for await (const event of { [Symbol.asyncIterator]: () => events }) {
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') yield event.delta.text;
      }
      await finalMessage; // an ended loop is not a success: this rethrows the stream's error, if any
    },
    finalMessage: () => finalMessage,
    final: async () => anthropicFinalReply(await finalMessage),
  };
}
