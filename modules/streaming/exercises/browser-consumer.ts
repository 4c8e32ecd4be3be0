/**
 * Exercise browser-consumer: read the chat stream the way a web page does,
 * with fetch, a reader and a TextDecoder, and no library. (EventSource would
 * be simpler but it can only GET; a chat sends its message in a POST body.)
 *
 * Reads do not respect line boundaries, so keep a buffer: decode each read
 * with `{ stream: true }` (a multi-byte character can be split between
 * reads), split the buffer on "\n", handle every complete line and keep the
 * last, incomplete one for the next read. Strip a trailing "\r" (CRLF
 * servers), skip lines that are not `data:` (comments, `event:`), and when
 * the body ends handle whatever is left in the buffer.
 *
 * Run its tests: LAB_TARGET=exercises npx vitest run modules/streaming -t browser-consumer
 */
import { todo } from '../../shared/not-implemented.ts';
import { ChatHttpError } from '../given/errors.ts'; // throw it for a non-2xx response
import type { ChatRequestBody, ErrorEvent, Usage } from '../given/types.ts';

export interface ChatStreamHandlers {
  onText?(text: string): void;
  onError?(error: ErrorEvent): void;
  onDone?(usage: Usage | undefined): void;
}

export interface ChatStreamResult {
  /** Every text delta, joined. */
  text: string;
  /** From the done event, if the reply completed. */
  usage?: Usage;
  /** The error event, if one arrived. */
  error?: ErrorEvent;
  /** Whether the done event arrived (if not, the stream was cut short). */
  done: boolean;
}

/**
 * Read a chat SSE response to the end, or to its done event (then stop
 * reading and cancel the reader: some servers keep the connection open).
 * Throws ChatHttpError(status, bodyText) for a non-2xx answer.
 */
export async function readChatStream(response: Response, handlers: ChatStreamHandlers = {}): Promise<ChatStreamResult> {
  return todo('browser-consumer');
}

export interface ChatFetchOptions {
  /** Defaults to the global fetch; tests pass the handler itself. */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

/** POST `body` as JSON to a chat endpoint (with options.fetch if given) and read the reply with readChatStream. */
export async function streamChat(url: string, body: ChatRequestBody, handlers: ChatStreamHandlers = {}, options: ChatFetchOptions = {}): Promise<ChatStreamResult> {
  return todo('browser-consumer');
}
