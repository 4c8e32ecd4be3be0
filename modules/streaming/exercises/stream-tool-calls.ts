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
 *
 * Run its tests: LAB_TARGET=exercises npx vitest run modules/streaming -t stream-tool-calls
 */
import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import { todo } from '../../shared/not-implemented.ts';
import { ToolInputError } from '../given/errors.ts'; // throw it from parseToolInput

export interface ToolCall {
  id: string;
  name: string;
  input: Record<string, unknown>;
}

/** Parse a complete tool input; '' means no arguments. Anything but a JSON object is a ToolInputError(toolName, json). */
export function parseToolInput(toolName: string, json: string): Record<string, unknown> {
  return todo('stream-tool-calls');
}

/** Collect the tool calls of an Anthropic event stream, in the order their blocks stop; text deltas go to `onText` as they arrive. */
export async function collectAnthropicToolCalls(
  events: AsyncIterable<Anthropic.MessageStreamEvent>,
  onText?: (text: string) => void,
): Promise<ToolCall[]> {
  return todo('stream-tool-calls');
}

/** Collect the tool calls of an OpenAI chunk stream, in index order; text goes to `onText`. */
export async function collectOpenAIToolCalls(
  chunks: AsyncIterable<OpenAI.ChatCompletionChunk>,
  onText?: (text: string) => void,
): Promise<ToolCall[]> {
  return todo('stream-tool-calls');
}
