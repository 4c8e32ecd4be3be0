/**
 * Exercise node-consumer: the same stream from a Node program (a CLI, a
 * worker, a test), as an async generator of events, built on your SSE
 * decoder. The Node equivalent of the course's httpx `aiter_lines()` client:
 *
 *   for await (const event of chatEvents(url, { message: 'Hi' })) {
 *     if ('text' in event) process.stdout.write(event.text);
 *   }
 *
 * Stopping early (`break`) must hang up, so the server can stop the upstream
 * request; decodeSse cancels the body when its consumer stops.
 */
import { ChatHttpError } from '../given/errors.ts';
import { decodeSse } from './sse-decode.ts';
import type { ChatEvent, ChatRequestBody } from '../given/types.ts';
import type { ChatFetchOptions } from './browser-consumer.ts';

/** Events of one chat reply, ending after the done event. Throws ChatHttpError for a non-2xx answer. */
export async function* streamChatEvents(url: string, body: ChatRequestBody, options: ChatFetchOptions = {}): AsyncGenerator<ChatEvent, void, undefined> {
  const doFetch = options.fetch ?? ((input: string, init: RequestInit) => fetch(input, init));
  const response = await doFetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream', ...options.headers },
    body: JSON.stringify(body),
    signal: options.signal,
  });
  if (!response.ok) throw new ChatHttpError(response.status, await response.text());
  if (!response.body) throw new ChatHttpError(response.status, 'The response has no body.');
  for await (const event of decodeSse(response.body)) {
    const payload = JSON.parse(event.data) as ChatEvent;
    yield payload;
    if ('done' in payload && payload.done) return; // leaving the loop cancels the body
  }
}
