import { countTokens, encodingForModel, type Encoding } from './tokens.ts';

/**
 * Messages as the context module stores them, and the cookbook's per-message
 * overhead.
 *
 * Tool calls may be written in either provider's shape (pick one per app):
 *  - Anthropic: an assistant message whose content holds `tool_use` blocks,
 *    answered by the next user message, whose content holds one `tool_result`
 *    block per call (`tool_use_id` = the call's `id`).
 *  - OpenAI: an assistant message with `tool_calls`, answered by one `tool`
 *    message per call (`tool_call_id` = the call's `id`).
 * A user message that carries tool results is part of the turn it answers; only
 * a user message without tool results starts a new turn (see turns.ts).
 */

export interface TextBlock {
  type: 'text';
  text: string;
}

/** Anthropic-style: the model asks for a tool. */
export interface ToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: unknown;
}

/** Anthropic-style: the result of one tool_use, sent back in a user message. */
export interface ToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content: string | TextBlock[];
  is_error?: boolean;
}

export type ContentBlock = TextBlock | ToolUseBlock | ToolResultBlock;

/** OpenAI-style tool call on an assistant message. */
export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type Role = 'user' | 'assistant' | 'tool';

/** A message of the stored history: its token count is computed once, when it is written. */
export interface ContextMessage {
  role: Role;
  content: string | ContentBlock[];
  /** Tokens of this message (cookbook formula, reply priming excluded), stamped at write time by withTokenCount. */
  tokens: number;
  /** Optional speaker name (OpenAI `name`): costs its own tokens plus tokens_per_name. */
  name?: string;
  /** OpenAI-style tool calls (assistant only). */
  tool_calls?: ToolCall[];
  /** OpenAI-style: which call a `tool` message answers. */
  tool_call_id?: string;
}

/** Anything the cookbook formula can count: chat messages, a system message, stored ContextMessages. */
export interface CountableMessage {
  role: 'system' | Role;
  content: string | ContentBlock[] | null;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
}

/** A message before its count is stamped. */
export type UnstampedMessage = Omit<ContextMessage, 'tokens'> & { tokens?: number };

export interface CountOptions {
  /** Which tokenizer. Default: the model's encoding if a model is given, else cl100k_base. */
  encoding?: Encoding;
  /** An OpenAI model name: picks the encoding and the overhead (gpt-3.5-turbo-0301 is the odd one out). */
  model?: string;
}

/** Every reply is primed with <|start|>assistant<|message|>: 3 tokens per request, not per message. */
export const REPLY_PRIMING_TOKENS = 3;

export interface MessageOverhead {
  /** Framing tokens around every message (<|start|>, role/name separator, <|end|>). */
  perMessage: number;
  /** Extra tokens when a message carries a `name`. */
  perName: number;
}

/**
 * The cookbook's overhead: 3 per message and 1 per name for every current chat
 * model; gpt-3.5-turbo-0301 used 4 per message and -1 per name (the name
 * replaced the role).
 */
export function overheadFor(model?: string): MessageOverhead {
  if (model !== undefined && model.startsWith('gpt-3.5-turbo-0301')) return { perMessage: 4, perName: -1 };
  return { perMessage: 3, perName: 1 };
}

function resolveEncoding(options: CountOptions): Encoding {
  return options.encoding ?? (options.model !== undefined ? encodingForModel(options.model) : 'cl100k_base');
}

/**
 * The strings of a message that reach the model as text, each to be counted on
 * its own like the cookbook's values: the role, the content (or each block's
 * text, a tool call's name and JSON input, a tool result's text) and OpenAI
 * tool calls' names and arguments. The name is not included: it has its own rule.
 */
export function messageTextPieces(message: CountableMessage): string[] {
  const pieces: string[] = [message.role];
  const content = message.content;
  if (typeof content === 'string') {
    pieces.push(content);
  } else if (content !== null) {
    for (const block of content) {
      if (block.type === 'text') pieces.push(block.text);
      else if (block.type === 'tool_use') pieces.push(block.name, JSON.stringify(block.input ?? {}));
      else pieces.push(typeof block.content === 'string' ? block.content : block.content.map((b) => b.text).join(''));
    }
  }
  for (const call of message.tool_calls ?? []) pieces.push(call.function.name, call.function.arguments);
  return pieces;
}

/** One message's tokens by the cookbook formula, without the per-request reply priming. */
function tokensOfOne(message: CountableMessage, encoding: Encoding, overhead: MessageOverhead): number {
  let total = overhead.perMessage;
  for (const piece of messageTextPieces(message)) total += countTokens(piece, encoding);
  if (message.name !== undefined) total += countTokens(message.name, encoding) + overhead.perName;
  return total;
}

/**
 * Prompt tokens of a list of chat messages, the OpenAI cookbook way:
 * tokens_per_message for each message, the tokens of each of its values (role,
 * content, name), tokens_per_name when it has a name, and 3 for the reply
 * priming. Exact for string content on OpenAI chat models; tool calls and
 * blocks are an approximation (the providers render them into their own
 * templates), and for Claude the whole count is an estimate.
 */
export function countMessageTokens(messages: readonly CountableMessage[], options: CountOptions = {}): number {
  const encoding = resolveEncoding(options);
  const overhead = overheadFor(options.model);
  let total = REPLY_PRIMING_TOKENS;
  for (const message of messages) total += tokensOfOne(message, encoding, overhead);
  return total;
}

/**
 * Stamp a message with its token count as it is written to the history. The
 * count is the message's share of the cookbook formula, so for any list
 * sum(tokens) + REPLY_PRIMING_TOKENS === countMessageTokens(list). Returns a new
 * object; an existing count is recomputed.
 */
export function withTokenCount(message: UnstampedMessage, options: CountOptions = {}): ContextMessage {
  const { tokens: _ignored, ...rest } = message;
  // Set the count on the copy: `{ ...rest, tokens }` would give every message a hidden class of its own
  // in V8, and reading a long history of those (the sliding window, each turn) is ~20x slower.
  return Object.assign(rest, { tokens: tokensOfOne(rest, resolveEncoding(options), overheadFor(options.model)) });
}

/** What a system prompt costs as a system message (0 when there is none: nothing is sent). */
export function countSystemTokens(system: string, options: CountOptions = {}): number {
  if (system === '') return 0;
  return tokensOfOne({ role: 'system', content: system }, resolveEncoding(options), overheadFor(options.model));
}
