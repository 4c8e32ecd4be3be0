/**
 * Exercise stream-tool-calls: tool input streams in pieces too.
 *
 * Anthropic: a tool_use block opens with content_block_start (id, name, an
 * empty `input`), then input_json_delta events carry `partial_json` strings.
 * Each piece is a fragment of one JSON document ("{\"ci", "ty\": \"Mu", ...),
 * so it cannot be parsed until content_block_stop says the block is complete.
 * A tool without arguments may stream nothing at all: that is `{}`.
 *
 * OpenAI: `delta.tool_calls` entries carry an `index`; the first fragment for
 * an index has the id and function name, later ones only more `arguments`
 * text. Several calls can be in flight at once, so accumulate by index and
 * parse when the stream finishes (finish_reason "tool_calls").
 */
import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import { ToolInputError } from '../given/errors.ts';

export interface ToolCall {
  id: string;
  name: string;
  input: Record<string, unknown>;
}

/** Parse a complete tool input; '' means no arguments. Anything but a JSON object is an error. */
export function parseToolInput(toolName: string, json: string): Record<string, unknown> {
  if (json.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (cause) {
    throw new ToolInputError(toolName, json, { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ToolInputError(toolName, json);
  return value as Record<string, unknown>;
}

/** Collect the tool calls of an Anthropic event stream; text deltas go to `onText` as they arrive. */
export async function collectAnthropicToolCalls(
  events: AsyncIterable<Anthropic.MessageStreamEvent>,
  onText?: (text: string) => void,
): Promise<ToolCall[]> {
  const open = new Map<number, { id: string; name: string; json: string }>();
  const calls: ToolCall[] = [];
  for await (const event of events) {
    if (event.type === 'content_block_start' && event.content_block.type === 'tool_use') {
      open.set(event.index, { id: event.content_block.id, name: event.content_block.name, json: '' });
    } else if (event.type === 'content_block_delta') {
      if (event.delta.type === 'text_delta') onText?.(event.delta.text);
      else if (event.delta.type === 'input_json_delta') {
        const call = open.get(event.index);
        if (call) call.json += event.delta.partial_json;
      }
    } else if (event.type === 'content_block_stop') {
      const call = open.get(event.index);
      if (call) {
        open.delete(event.index);
        calls.push({ id: call.id, name: call.name, input: parseToolInput(call.name, call.json) });
      }
    }
  }
  return calls;
}

/** Collect the tool calls of an OpenAI chunk stream, in index order; text goes to `onText`. */
export async function collectOpenAIToolCalls(
  chunks: AsyncIterable<OpenAI.ChatCompletionChunk>,
  onText?: (text: string) => void,
): Promise<ToolCall[]> {
  const byIndex = new Map<number, { id: string; name: string; args: string }>();
  for await (const chunk of chunks) {
    const delta = chunk.choices[0]?.delta; // the usage chunk has no choices
    if (!delta) continue;
    if (delta.content) onText?.(delta.content);
    for (const fragment of delta.tool_calls ?? []) {
      const call = byIndex.get(fragment.index) ?? { id: '', name: '', args: '' };
      if (fragment.id) call.id = fragment.id;
      if (fragment.function?.name) call.name += fragment.function.name;
      if (fragment.function?.arguments) call.args += fragment.function.arguments;
      byIndex.set(fragment.index, call);
    }
  }
  return [...byIndex.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, call]) => ({ id: call.id, name: call.name, input: parseToolInput(call.name, call.args) }));
}
