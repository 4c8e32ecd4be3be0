import type Anthropic from '@anthropic-ai/sdk';
import type { ContentBlock, UnstampedMessage } from './messages.ts';

/**
 * Exact counts from the provider. tiktoken is OpenAI's tokenizer: for Claude
 * it is an estimate (good for budgeting with a margin, not for billing).
 * Anthropic counts a request exactly, for free, at POST /v1/messages/count_tokens.
 */

/** Map one of our blocks to the Anthropic wire shape (our blocks already are that shape, minus extras). */
function toAnthropicBlock(block: ContentBlock): Anthropic.ContentBlockParam {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: block.text };
    case 'tool_use':
      return { type: 'tool_use', id: block.id, name: block.name, input: block.input };
    case 'tool_result':
      return {
        type: 'tool_result',
        tool_use_id: block.tool_use_id,
        content: typeof block.content === 'string' ? block.content : block.content.map((b) => ({ type: 'text' as const, text: b.text })),
        ...(block.is_error ? { is_error: true } : {}),
      };
  }
}

function parseArguments(json: string): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return {};
  }
}

/**
 * Convert stored messages to Anthropic MessageParams: the stored count is
 * dropped, OpenAI-style tool_calls become tool_use blocks, and consecutive
 * `tool` messages become one user message of tool_result blocks.
 */
export function toAnthropicMessages(messages: readonly UnstampedMessage[]): Anthropic.MessageParam[] {
  const out: Anthropic.MessageParam[] = [];
  let pendingResults: Anthropic.ContentBlockParam[] | null = null;
  for (const message of messages) {
    if (message.role === 'tool') {
      const result: Anthropic.ContentBlockParam = {
        type: 'tool_result',
        tool_use_id: message.tool_call_id ?? '',
        content: typeof message.content === 'string' ? message.content : message.content.flatMap((b) => (b.type === 'text' ? [{ type: 'text' as const, text: b.text }] : [])),
      };
      if (pendingResults === null) {
        pendingResults = [result];
        out.push({ role: 'user', content: pendingResults });
      } else {
        pendingResults.push(result);
      }
      continue;
    }
    pendingResults = null;
    const blocks: Anthropic.ContentBlockParam[] | string =
      typeof message.content === 'string' ? message.content : message.content.map(toAnthropicBlock);
    const calls = (message.tool_calls ?? []).map(
      (call): Anthropic.ContentBlockParam => ({ type: 'tool_use', id: call.id, name: call.function.name, input: parseArguments(call.function.arguments) }),
    );
    if (calls.length === 0) {
      out.push(message.role === 'user' ? { role: 'user', content: blocks } : { role: 'assistant', content: blocks });
      continue;
    }
    const text: Anthropic.ContentBlockParam[] = typeof blocks === 'string' ? (blocks === '' ? [] : [{ type: 'text', text: blocks }]) : blocks;
    out.push({ role: 'assistant', content: [...text, ...calls] });
  }
  return out;
}

export interface CountTokensExactOptions {
  client: Anthropic;
  model: string;
  /** The system prompt ('' or omitted for none). */
  system?: string;
  messages: readonly UnstampedMessage[];
  /** Tool definitions, if the request offers tools (they cost tokens too). */
  tools?: Anthropic.MessageCountTokensTool[];
}

/** The exact input tokens of a request, from Anthropic's count_tokens endpoint (client.messages.countTokens). */
export async function countTokensExact(options: CountTokensExactOptions): Promise<number> {
  const { client, model, system, messages, tools } = options;
  const response = await client.messages.countTokens({
    model,
    messages: toAnthropicMessages(messages),
    ...(system ? { system } : {}),
    ...(tools && tools.length > 0 ? { tools } : {}),
  });
  return response.input_tokens;
}
