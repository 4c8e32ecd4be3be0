/**
 * Exercise stream-events: read the low-level Anthropic events and say what
 * each one carries.
 *
 *   message_start        the Message shell: id, model, input token usage, empty content
 *   content_block_start  a new block at `index`: its type (text, tool_use, thinking...), a tool's id and name
 *   content_block_delta  a piece of that block: text_delta.text, input_json_delta.partial_json, thinking_delta...
 *   content_block_stop   the block at `index` is complete
 *   message_delta        top-level changes: stop_reason, stop_sequence, and cumulative output token usage
 *   message_stop         the end of the message
 *   ping                 nothing: keeps the connection alive (the SDK's iterator skips it; raw SSE shows it)
 *   error                an error after the 200 (e.g. overloaded_error); the SDK throws it as an APIError
 *
 * Run its tests: LAB_TARGET=exercises npx vitest run modules/streaming -t stream-events
 */
import type Anthropic from '@anthropic-ai/sdk';
import { todo } from '../../shared/not-implemented.ts';
import { StreamEventError } from '../given/errors.ts'; // throw it for an `error` event
import type { Usage } from '../given/types.ts';

/** Every event the Messages API can send: the SDK's typed events plus the two it never yields. */
export type AnthropicWireEvent =
  | Anthropic.MessageStreamEvent
  | { type: 'ping' }
  | { type: 'error'; error: { type: string; message: string } };

export interface BlockSummary {
  index: number;
  /** From content_block_start: "text", "tool_use", "thinking", ... */
  type: string;
  /** Text blocks: the text_delta pieces joined. */
  text: string;
  /** tool_use blocks: from content_block_start. */
  id?: string;
  name?: string;
  /** tool_use blocks: the input_json_delta pieces joined (raw JSON text). */
  json?: string;
  /** Whether its content_block_stop arrived. */
  stopped: boolean;
}

export interface EventSummary {
  /** Event types in arrival order. */
  order: string[];
  /** How many of each type arrived. */
  counts: Record<string, number>;
  /** From message_start. */
  messageId: string | null;
  model: string | null;
  blocks: BlockSummary[];
  /** Text of all text blocks, in order. */
  text: string;
  /** From message_delta. */
  stopReason: string | null;
  /** input from message_start (or a later message_delta that restates it); output from the last message_delta. */
  usage: Usage;
  /** message_stop arrived. */
  complete: boolean;
}

/**
 * Go through a stream of events once and summarise what they carried. Throw
 * StreamEventError(type, message) on an `error` event.
 */
export async function summariseEvents(events: AsyncIterable<AnthropicWireEvent>): Promise<EventSummary> {
  return todo('stream-events');
}
