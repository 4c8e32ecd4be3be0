import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import { todo } from '../../shared/not-implemented.ts';
import type { CallOptions, ChatAdapter, ChatRequest, ChatResult } from '../given/types.ts';

/**
 * One interface (ChatAdapter, in types.ts), two providers. Each adapter turns
 * a ChatRequest into the SDK's parameters and the SDK's reply into a
 * ChatResult. What differs between the providers:
 *
 *  - the system prompt: Anthropic takes a top-level `system` (leave it out
 *    when it is ''); OpenAI takes a first message { role: 'system' };
 *  - the reply limit: `max_tokens` vs `max_completion_tokens`;
 *  - usage: `input_tokens`/`output_tokens` vs `prompt_tokens`/`completion_tokens`;
 *    an OpenAI stream only reports usage if you ask: stream_options.include_usage;
 *  - stop reasons: map them to StopReason ('stop' -> 'end_turn', 'length' -> 'max_tokens', ...).
 *
 * Send only { role, content } for each message.
 *
 * stream(): an async generator that yields each text delta as it arrives and
 * RETURNS the ChatResult built from the SDK's assembled final message
 * (stream.finalMessage() / stream.finalChatCompletion()), not from the chunks.
 * If the consumer stops early (break calls your generator's return()), or
 * anything throws, abort the SDK stream in a `finally` so the upstream request
 * does not keep running. Tip: call finalMessage() right after creating the
 * stream and attach a no-op catch, then await it after the loop: a late error
 * surfaces there and is never an unhandled rejection.
 */

export function anthropicAdapter(client: Anthropic): ChatAdapter {
  return {
    provider: 'anthropic',
    async complete(request: ChatRequest, options: CallOptions = {}): Promise<ChatResult> {
      void client;
      void request;
      void options;
      return todo('state-adapters');
    },
    // eslint-disable-next-line require-yield
    async *stream(request: ChatRequest, options: CallOptions = {}): AsyncGenerator<string, ChatResult, undefined> {
      void request;
      void options;
      return todo('state-adapters');
    },
  };
}

export function openaiAdapter(client: OpenAI): ChatAdapter {
  return {
    provider: 'openai',
    async complete(request: ChatRequest, options: CallOptions = {}): Promise<ChatResult> {
      void client;
      void request;
      void options;
      return todo('state-adapters');
    },
    // eslint-disable-next-line require-yield
    async *stream(request: ChatRequest, options: CallOptions = {}): AsyncGenerator<string, ChatResult, undefined> {
      void request;
      void options;
      return todo('state-adapters');
    },
  };
}
