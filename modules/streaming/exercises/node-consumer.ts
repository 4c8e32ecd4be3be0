/**
 * Exercise node-consumer: the same stream from a Node program (a CLI, a
 * worker, a test), as an async generator of events, built on your SSE
 * decoder. The Node equivalent of the course's httpx `aiter_lines()` client:
 *
 *   for await (const event of streamChatEvents(url, { message: 'Hi' })) {
 *     if ('text' in event) process.stdout.write(event.text);
 *   }
 *
 * Stopping early (`break`) must hang up, so the server can stop the upstream
 * request; decodeSse cancels the body when its consumer stops.
 *
 * Run its tests: LAB_TARGET=exercises npx vitest run modules/streaming -t node-consumer
 */
import { todo } from '../../shared/not-implemented.ts';
import { ChatHttpError } from '../given/errors.ts'; // throw it for a non-2xx response
import { decodeSse } from './sse-decode.ts'; // your decoder from the first exercise
import type { ChatEvent, ChatRequestBody } from '../given/types.ts';
import type { ChatFetchOptions } from './browser-consumer.ts';

/**
 * POST `body` as JSON (with options.fetch if given) and yield the parsed
 * events of the reply, ending after the done event. Throws
 * ChatHttpError(status, bodyText) for a non-2xx answer.
 */
export async function* streamChatEvents(url: string, body: ChatRequestBody, options: ChatFetchOptions = {}): AsyncGenerator<ChatEvent, void, undefined> {
  todo('node-consumer');
}
