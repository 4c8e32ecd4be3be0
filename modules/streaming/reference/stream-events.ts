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
 */
import type Anthropic from '@anthropic-ai/sdk';
import { StreamEventError } from '../given/errors.ts';
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
 * Go through a stream of events once and summarise what they carried. Throws
 * StreamEventError on an `error` event.
 */
export async function summariseEvents(events: AsyncIterable<AnthropicWireEvent>): Promise<EventSummary> {
  const summary: EventSummary = {
    order: [],
    counts: {},
    messageId: null,
    model: null,
    blocks: [],
    text: '',
    stopReason: null,
    usage: { input: 0, output: 0 },
    complete: false,
  };
  const byIndex = new Map<number, BlockSummary>();

  for await (const event of events) {
    summary.order.push(event.type);
    summary.counts[event.type] = (summary.counts[event.type] ?? 0) + 1;
    switch (event.type) {
      case 'message_start':
        summary.messageId = event.message.id;
        summary.model = event.message.model;
        summary.usage = { input: event.message.usage.input_tokens, output: event.message.usage.output_tokens };
        break;
      case 'content_block_start': {
        const block: BlockSummary = { index: event.index, type: event.content_block.type, text: '', stopped: false };
        if (event.content_block.type === 'tool_use') {
          block.id = event.content_block.id;
          block.name = event.content_block.name;
          block.json = '';
        }
        byIndex.set(event.index, block);
        summary.blocks.push(block);
        break;
      }
      case 'content_block_delta': {
        const block = byIndex.get(event.index);
        if (!block) break;
        if (event.delta.type === 'text_delta') {
          block.text += event.delta.text;
          summary.text += event.delta.text;
        } else if (event.delta.type === 'input_json_delta') {
          block.json = (block.json ?? '') + event.delta.partial_json;
        }
        break;
      }
      case 'content_block_stop': {
        const block = byIndex.get(event.index);
        if (block) block.stopped = true;
        break;
      }
      case 'message_delta':
        summary.stopReason = event.delta.stop_reason;
        // output_tokens is a running total, not an increment.
        summary.usage = { input: event.usage.input_tokens ?? summary.usage.input, output: event.usage.output_tokens };
        break;
      case 'message_stop':
        summary.complete = true;
        break;
      case 'ping':
        break;
      case 'error':
        throw new StreamEventError(event.error.type, event.error.message);
    }
  }
  return summary;
}
