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
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { ChatEvent, ErrorEvent, ReplyStream, Usage } from '../given/types.ts';

type SdkApiError = InstanceType<typeof Anthropic.APIError> | InstanceType<typeof OpenAI.APIError>;

function isApiError(error: unknown): error is SdkApiError {
  return error instanceof Anthropic.APIError || error instanceof OpenAI.APIError;
}

/** The provider's own message, without the status and JSON the SDK folds into `error.message`. */
function providerMessage(error: SdkApiError): string {
  const body: unknown = error.error;
  if (typeof body === 'object' && body !== null) {
    const inner = (body as { error?: { message?: unknown }; message?: unknown }).error?.message ?? (body as { message?: unknown }).message;
    if (typeof inner === 'string' && inner) return inner;
  }
  return error.message;
}

export function classifyStreamError(error: unknown): ErrorEvent {
  if (error instanceof Anthropic.RateLimitError || error instanceof OpenAI.RateLimitError || (isApiError(error) && error.status === 429)) {
    return { error: 'rate_limit', message: 'Too many requests. Please wait a moment and try again.', status: 429 };
  }
  if (isApiError(error)) {
    const event: ErrorEvent = { error: 'api_error', message: providerMessage(error) };
    if (typeof error.status === 'number') event.status = error.status;
    return event;
  }
  return { error: 'unknown', message: error instanceof Error ? error.message : String(error) };
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
  let usage: Usage | undefined;
  try {
    const stream = await reply;
    for await (const text of stream) yield { text };
    usage = (await stream.final()).usage;
  } catch (error) {
    if (options.signal?.aborted) return;
    yield classifyStreamError(error);
  }
  yield usage ? { done: true, usage } : { done: true };
}
