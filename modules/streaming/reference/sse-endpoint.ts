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
 */
import type { ChatEvent, ReplyStream } from '../given/types.ts';

export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache',
  'X-Accel-Buffering': 'no',
};

export interface EncodeOptions {
  /** An `event:` name; leave it out for plain `message` events (what our chat protocol uses). */
  event?: string;
  id?: string;
}

/**
 * One SSE event as text. Objects are sent as JSON (one `data:` line, since
 * JSON.stringify never emits a raw newline); a string is sent as it is, one
 * `data:` line per line of it. The blank line at the end is what makes it an event.
 */
export function encodeSse(data: unknown, options: EncodeOptions = {}): string {
  for (const [field, value] of Object.entries(options)) {
    if (typeof value === 'string' && /[\r\n]/.test(value)) throw new TypeError(`An SSE ${field} cannot contain a line break: ${JSON.stringify(value)}`);
  }
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  let out = '';
  if (options.event) out += `event: ${options.event}\n`;
  if (options.id !== undefined) out += `id: ${options.id}\n`;
  for (const line of text.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return `${out}\n`;
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
  const iterator = events[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await iterator.next();
        if (cancelled) return;
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(encodeSse(next.value)));
      } catch (error) {
        if (!cancelled) controller.error(error);
      }
    },
    cancel(reason) {
      cancelled = true;
      options.onCancel?.(reason);
      // Do not await: a generator busy in next() only returns once that settles.
      void Promise.resolve(iterator.return?.()).catch(() => {});
    },
  });
  const headers = new Headers(options.headers);
  for (const [name, value] of Object.entries(SSE_HEADERS)) headers.set(name, value);
  return new Response(body, { status: options.status ?? 200, headers });
}

/**
 * The course's `generate()`: a text event per delta, then a done event with
 * the usage of the SDK-assembled final message. (No error handling yet: see
 * safeChatEvents.)
 */
export async function* chatEvents(reply: ReplyStream): AsyncGenerator<ChatEvent, void, undefined> {
  for await (const text of reply) yield { text };
  const { usage } = await reply.final();
  yield { done: true, usage };
}
