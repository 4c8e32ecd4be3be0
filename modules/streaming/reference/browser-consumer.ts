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
 */
import { ChatHttpError } from '../given/errors.ts';
import type { ChatEvent, ChatRequestBody, ErrorEvent, Usage } from '../given/types.ts';

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

function handle(event: ChatEvent, result: ChatStreamResult, handlers: ChatStreamHandlers): void {
  if ('text' in event && typeof event.text === 'string') {
    result.text += event.text;
    handlers.onText?.(event.text);
  } else if ('error' in event) {
    result.error = event;
    handlers.onError?.(event);
  } else if ('done' in event && event.done) {
    result.done = true;
    if (event.usage) result.usage = event.usage;
    handlers.onDone?.(event.usage);
  }
}

/** Read a chat SSE response to the end (or to its done event). Throws ChatHttpError for a non-2xx answer. */
export async function readChatStream(response: Response, handlers: ChatStreamHandlers = {}): Promise<ChatStreamResult> {
  if (!response.ok) throw new ChatHttpError(response.status, await response.text());
  if (!response.body) throw new ChatHttpError(response.status, 'The response has no body.');
  const result: ChatStreamResult = { text: '', done: false };
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';

  const lines = (final: boolean): void => {
    const parts = buffer.split('\n');
    buffer = final ? '' : (parts.pop() ?? ''); // keep the incomplete last line for the next read
    for (const raw of parts) {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (!line.startsWith('data:')) continue;
      const data = line.slice(line.startsWith('data: ') ? 6 : 5);
      handle(JSON.parse(data) as ChatEvent, result, handlers);
      if (result.done) return;
    }
  };

  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        buffer += decoder.decode();
        lines(true);
        break;
      }
      buffer += decoder.decode(value, { stream: true });
      lines(false);
      if (result.done) break;
    }
  } finally {
    if (result.done) await reader.cancel().catch(() => {}); // nothing more to read: hang up
    reader.releaseLock();
  }
  return result;
}

export interface ChatFetchOptions {
  /** Defaults to the global fetch; tests pass the handler itself. */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

/** POST a message to a chat endpoint and read the reply. */
export async function streamChat(url: string, body: ChatRequestBody, handlers: ChatStreamHandlers = {}, options: ChatFetchOptions = {}): Promise<ChatStreamResult> {
  const doFetch = options.fetch ?? ((input: string, init: RequestInit) => fetch(input, init));
  const response = await doFetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream', ...options.headers },
    body: JSON.stringify(body),
    signal: options.signal,
  });
  return readChatStream(response, handlers);
}
