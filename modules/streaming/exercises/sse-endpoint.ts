/**
 * Exercise sse-endpoint: serve a reply as Server-Sent Events, the way the
 * course's FastAPI endpoint does, with web standards only: a Response whose
 * body is a ReadableStream. Any runtime that speaks fetch's Request/Response
 * (Hono, Bun, Deno, Cloudflare, Node through @hono/node-server) can serve it.
 *
 * The headers matter as much as the bytes:
 *   Content-Type: text/event-stream   what EventSource and proxies key on
 *   Cache-Control: no-cache           never cache or transform a live stream
 *   X-Accel-Buffering: no             nginx buffers proxied responses by default,
 *                                     which turns a stream into one late lump
 *
 * Run its tests: LAB_TARGET=exercises npx vitest run modules/streaming -t sse-endpoint
 */
import { todo } from '../../shared/not-implemented.ts';
import type { ChatEvent, ReplyStream } from '../given/types.ts';

/** Fill in the three headers above (sseResponse must always send them). */
export const SSE_HEADERS: Readonly<Record<string, string>> = {};

export interface EncodeOptions {
  /** An `event:` name; leave it out for plain `message` events (what our chat protocol uses). */
  event?: string;
  id?: string;
}

/**
 * One SSE event as text. Objects are sent as JSON (one `data:` line, since
 * JSON.stringify never emits a raw newline); a string is sent as it is, one
 * `data:` line per line of it. The blank line at the end is what makes it an event.
 * With options: `event: <name>` first, then `id: <id>`, then the data lines.
 */
export function encodeSse(data: unknown, options: EncodeOptions = {}): string {
  return todo('sse-endpoint');
}

export interface SseResponseOptions {
  /** Called once if the client goes away (the body is cancelled): abort the upstream request here. */
  onCancel?: (reason: unknown) => void;
  /** Extra headers (the SSE headers are always set). */
  headers?: HeadersInit;
  status?: number;
}

/**
 * A streaming Response: each value the iterable yields becomes one event
 * (`encodeSse`), sent as soon as it is produced. If the client disconnects,
 * `onCancel` runs and the iterable is closed (its `finally` blocks run).
 */
export function sseResponse(events: AsyncIterable<unknown>, options: SseResponseOptions = {}): Response {
  return todo('sse-endpoint');
}

/**
 * The course's `generate()`: a text event per delta, then a done event with
 * the usage of the SDK-assembled final message. (No error handling yet: that
 * is safeChatEvents, the next exercise.)
 */
export async function* chatEvents(reply: ReplyStream): AsyncGenerator<ChatEvent, void, undefined> {
  todo('sse-endpoint');
}
