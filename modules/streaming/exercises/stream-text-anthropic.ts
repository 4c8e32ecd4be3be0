/**
 * Exercise stream-text-anthropic: stream a reply with the Anthropic SDK.
 *
 * `client.messages.stream(params)` returns a MessageStream. It starts the
 * request at once and reads the response as it arrives, whether or not you
 * are iterating yet, so three details matter:
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
 *
 * Run its tests: LAB_TARGET=exercises npx vitest run modules/streaming -t stream-text-anthropic
 */
import type Anthropic from '@anthropic-ai/sdk';
import { todo } from '../../shared/not-implemented.ts';
import type { FinalReply, ReplyStream, StreamOptions } from '../given/types.ts';

/** A ReplyStream that also offers the SDK's own assembled Message. */
export interface AnthropicReplyStream extends ReplyStream {
  finalMessage(): Promise<Anthropic.Message>;
}

/** The provider-neutral view of an Anthropic Message. (Given: use it in final().) */
export function anthropicFinalReply(message: Anthropic.Message): FinalReply {
  const text = message.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('');
  return {
    text,
    usage: { input: message.usage.input_tokens, output: message.usage.output_tokens },
    stopReason: message.stop_reason,
  };
}

/**
 * Start streaming `params` and return at once (do not await anything here).
 * Iterating the result yields each text delta; finalMessage() and final()
 * resolve once the stream has ended. Pass `options.signal` to the SDK so the
 * caller can abort, and make an early `break` abort the request too.
 */
export function streamAnthropic(client: Anthropic, params: Anthropic.MessageStreamParams, options: StreamOptions = {}): AnthropicReplyStream {
  return todo('stream-text-anthropic');
}
