import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import type { CallOptions, ChatAdapter, ChatRequest, ChatResult, StopReason } from '../given/types.ts';

/**
 * One interface, two providers. The differences an adapter hides:
 *  - the system prompt: Anthropic takes a top-level `system`; OpenAI takes a
 *    first message with role "system";
 *  - the reply limit: `max_tokens` (required by Anthropic) vs `max_completion_tokens`;
 *  - usage: input_tokens/output_tokens vs prompt_tokens/completion_tokens, and
 *    OpenAI only reports usage on a stream when asked (stream_options.include_usage);
 *  - why the reply stopped: end_turn/max_tokens vs stop/length.
 *
 * Streams yield text as it arrives, but the result (text, usage, stop reason)
 * is always taken from the SDK's assembled final message (finalMessage /
 * finalChatCompletion), never rebuilt from the chunks.
 */

type AnthropicMessage = Anthropic.Messages.Message;
type OpenAICompletion = OpenAI.Chat.Completions.ChatCompletion;

function anthropicParams(request: ChatRequest): Anthropic.Messages.MessageCreateParamsNonStreaming {
  return {
    model: request.model,
    max_tokens: request.maxTokens,
    // Only role and content reach the provider: timestamps and usage are ours.
    messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
    ...(request.system ? { system: request.system } : {}),
  };
}

function anthropicStop(reason: AnthropicMessage['stop_reason']): StopReason {
  switch (reason) {
    case 'end_turn':
    case 'max_tokens':
    case 'stop_sequence':
    case 'tool_use':
    case 'refusal':
      return reason;
    default:
      return 'other';
  }
}

function fromAnthropic(message: AnthropicMessage): ChatResult {
  const text = message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
  return {
    text,
    usage: { inputTokens: message.usage.input_tokens, outputTokens: message.usage.output_tokens },
    stopReason: anthropicStop(message.stop_reason),
    model: message.model,
    id: message.id,
  };
}

export function anthropicAdapter(client: Anthropic): ChatAdapter {
  return {
    provider: 'anthropic',

    async complete(request: ChatRequest, options: CallOptions = {}): Promise<ChatResult> {
      const message = await client.messages.create(anthropicParams(request), { signal: options.signal });
      return fromAnthropic(message);
    },

    async *stream(request: ChatRequest, options: CallOptions = {}): AsyncGenerator<string, ChatResult, undefined> {
      const stream = client.messages.stream(anthropicParams(request), { signal: options.signal });
      // Ask for the final message now: an error then always has a taker (never
      // an unhandled rejection), and it is where a late error surfaces.
      const final = stream.finalMessage();
      final.catch(() => {});
      let finished = false;
      try {
        for await (const event of stream) {
          if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') yield event.delta.text;
        }
        const message = await final;
        finished = true;
        return fromAnthropic(message);
      } finally {
        // Reached early by a consumer's break (return()) or by an error: stop the upstream request.
        if (!finished) stream.abort();
      }
    },
  };
}

function openaiMessages(request: ChatRequest): OpenAI.Chat.Completions.ChatCompletionMessageParam[] {
  const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = request.system ? [{ role: 'system', content: request.system }] : [];
  for (const m of request.messages) messages.push({ role: m.role, content: m.content });
  return messages;
}

function openaiStop(reason: OpenAICompletion['choices'][number]['finish_reason'] | undefined): StopReason {
  switch (reason) {
    case 'stop':
      return 'end_turn';
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return 'other';
  }
}

function fromOpenAI(completion: OpenAICompletion): ChatResult {
  const choice = completion.choices[0];
  return {
    text: choice?.message.content ?? '',
    // Absent only if the server ignored include_usage: then nothing is known, recorded as 0.
    usage: { inputTokens: completion.usage?.prompt_tokens ?? 0, outputTokens: completion.usage?.completion_tokens ?? 0 },
    stopReason: openaiStop(choice?.finish_reason),
    model: completion.model,
    id: completion.id,
  };
}

export function openaiAdapter(client: OpenAI): ChatAdapter {
  return {
    provider: 'openai',

    async complete(request: ChatRequest, options: CallOptions = {}): Promise<ChatResult> {
      const completion = await client.chat.completions.create(
        { model: request.model, max_completion_tokens: request.maxTokens, messages: openaiMessages(request), stream: false },
        { signal: options.signal },
      );
      return fromOpenAI(completion);
    },

    async *stream(request: ChatRequest, options: CallOptions = {}): AsyncGenerator<string, ChatResult, undefined> {
      const stream = client.chat.completions.stream(
        {
          model: request.model,
          max_completion_tokens: request.maxTokens,
          messages: openaiMessages(request),
          // Without this, a streamed OpenAI reply carries no usage at all.
          stream_options: { include_usage: true },
        },
        { signal: options.signal },
      );
      const final = stream.finalChatCompletion();
      final.catch(() => {});
      let finished = false;
      try {
        for await (const chunk of stream) {
          const text = chunk.choices[0]?.delta?.content;
          if (text) yield text;
        }
        const completion = await final;
        finished = true;
        return fromOpenAI(completion);
      } finally {
        if (!finished) stream.abort();
      }
    },
  };
}
