/**
 * Exercise stream-text-openai: stream a reply with the OpenAI SDK.
 *
 * `client.chat.completions.stream(params)` is the helper that assembles the
 * chunks for you (`finalChatCompletion()`); `create({ ..., stream: true })`
 * gives the raw chunks only. Either way each chunk is a ChatCompletionChunk
 * and the text is in `choices[0].delta.content`, which is absent or empty on
 * the first (role-only) chunk and on the finish chunk. Usage is only streamed
 * if you ask for it with `stream_options: { include_usage: true }`, and it
 * arrives in a last chunk whose `choices` is an empty array: code that reads
 * `chunk.choices[0].delta` without a `?.` crashes on it.
 * Like Anthropic's MessageStream, the helper reads eagerly: create the
 * iterator and the final promise at once, and await the promise when the
 * iterator ends (an error that struck while nobody was reading just ends it).
 *
 * Run its tests: LAB_TARGET=exercises npx vitest run modules/streaming -t stream-text-openai
 */
import type OpenAI from 'openai';
import type { ChatCompletionStreamParams } from 'openai/lib/ChatCompletionStream';
import { todo } from '../../shared/not-implemented.ts';
import type { FinalReply, ReplyStream, StreamOptions } from '../given/types.ts';

export interface OpenAIReplyStream extends ReplyStream {
  finalChatCompletion(): Promise<OpenAI.ChatCompletion>;
}

/** The provider-neutral view of an OpenAI ChatCompletion. (Given: use it in final().) */
export function openaiFinalReply(completion: OpenAI.ChatCompletion): FinalReply {
  const choice = completion.choices[0];
  return {
    text: choice?.message.content ?? '',
    usage: { input: completion.usage?.prompt_tokens ?? 0, output: completion.usage?.completion_tokens ?? 0 },
    stopReason: choice?.finish_reason ?? null,
  };
}

/**
 * Start streaming `params` (always with usage included) and return at once.
 * Iterating the result yields each non-empty text delta; finalChatCompletion()
 * and final() resolve once the stream has ended. Honour `options.signal`.
 */
export function streamOpenAI(client: OpenAI, params: ChatCompletionStreamParams, options: StreamOptions = {}): OpenAIReplyStream {
  return todo('stream-text-openai');
}
