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
 */
import type OpenAI from 'openai';
import type { ChatCompletionStreamParams } from 'openai/lib/ChatCompletionStream';
import type { FinalReply, ReplyStream, StreamOptions } from '../given/types.ts';

export interface OpenAIReplyStream extends ReplyStream {
  finalChatCompletion(): Promise<OpenAI.ChatCompletion>;
}

/** The provider-neutral view of an OpenAI ChatCompletion. */
export function openaiFinalReply(completion: OpenAI.ChatCompletion): FinalReply {
  const choice = completion.choices[0];
  return {
    text: choice?.message.content ?? '',
    usage: { input: completion.usage?.prompt_tokens ?? 0, output: completion.usage?.completion_tokens ?? 0 },
    stopReason: choice?.finish_reason ?? null,
  };
}

export function streamOpenAI(client: OpenAI, params: ChatCompletionStreamParams, options: StreamOptions = {}): OpenAIReplyStream {
  const stream = client.chat.completions.stream(
    { ...params, stream_options: { ...params.stream_options, include_usage: true } },
    { signal: options.signal },
  );
  const chunks = stream[Symbol.asyncIterator]();
  const finalCompletion: Promise<OpenAI.ChatCompletion> = stream.finalChatCompletion();
  finalCompletion.catch(() => {});

  return {
    async *[Symbol.asyncIterator]() {
      for await (const chunk of { [Symbol.asyncIterator]: () => chunks }) {
        const text = chunk.choices[0]?.delta?.content;
        if (text) yield text;
      }
      await finalCompletion; // rethrows the stream's error, if any
    },
    finalChatCompletion: () => finalCompletion,
    final: async () => openaiFinalReply(await finalCompletion),
  };
}
