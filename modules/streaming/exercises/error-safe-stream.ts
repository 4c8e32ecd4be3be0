/**
 * Exercise error-safe-stream: by the time an error happens the client already
 * has a 200 and half an answer, so the status code cannot tell it anything.
 * Errors become events: one error event, then the done event, always last,
 * so the client can stop its spinner. A client that has gone away gets
 * nothing more (there is nobody to tell).
 *
 *   Anthropic.RateLimitError / OpenAI.RateLimitError (429)   -> "rate_limit"
 *   any other APIError of either SDK (status when it has one) -> "api_error"
 *   anything else (a dropped connection, a bug)               -> "unknown"
 *
 * Run its tests: LAB_TARGET=exercises npx vitest run modules/streaming -t error-safe-stream
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { todo } from '../../shared/not-implemented.ts';
import type { ChatEvent, ErrorEvent, ReplyStream } from '../given/types.ts';

// The SDKs' error classes you will test against with instanceof:
type SdkApiError = InstanceType<typeof Anthropic.APIError> | InstanceType<typeof OpenAI.APIError>;

/**
 * Map any thrown value to the error event: { error, message } plus `status`
 * only when the SDK error has a numeric one. For an API error, prefer the
 * provider's own message (`error.error` holds the parsed error body) over the
 * SDK's `message`, which also folds in the status and the raw JSON.
 */
export function classifyStreamError(error: unknown): ErrorEvent {
  return todo('error-safe-stream');
}

export interface SafeOptions {
  /** The upstream abort signal: once it has fired the client is gone, so no more events are produced. */
  signal?: AbortSignal;
}

/**
 * The course's `generate_safe()`: text events, then on failure one error
 * event, then a done event in every case (with usage only if the reply
 * completed). Accepts the reply or a promise of it, so a failure while
 * opening the stream is reported the same way.
 */
export async function* safeChatEvents(reply: ReplyStream | PromiseLike<ReplyStream>, options: SafeOptions = {}): AsyncGenerator<ChatEvent, void, undefined> {
  todo('error-safe-stream');
}
