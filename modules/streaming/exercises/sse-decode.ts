/**
 * Exercise sse-decode: turn a byte stream into Server-Sent Events.
 *
 * The network hands you reads, not events: a read can end in the middle of a
 * line, between the \r and \n of a CRLF, or inside a multi-byte character.
 * Your decoder keeps whatever is incomplete and only reports whole events.
 *
 * The rules (WHATWG "server-sent events", section 9.2.6), in short:
 * - lines end with \n, \r\n or \r;
 * - an empty line ends an event; an event without data lines is dropped;
 * - a line starting with ":" is a comment (servers send them as keep-alives);
 * - "field: value" (one space after the colon is removed; a line without a
 *   colon is a field with an empty value); known fields are data, event, id
 *   and retry; several data lines are joined with \n;
 * - the event type defaults to "message".
 * One deliberate leniency, shared with the SDKs' own decoders: a last event
 * that is not followed by a blank line is still delivered when the stream ends.
 *
 * Run its tests: LAB_TARGET=exercises npx vitest run modules/streaming -t sse-decode
 */
import { todo } from '../../shared/not-implemented.ts';

/** One decoded event. */
export interface SseEvent {
  /** The `event:` field, or "message" when there was none. */
  event: string;
  /** The data lines, joined with \n. */
  data: string;
  /** The last `id:` seen so far in the stream, if any (it carries over to later events). */
  id?: string;
  /** A `retry:` value (ms) sent with this event, if any. */
  retry?: number;
}

export class SseDecoder {
  // Keep your state in private fields: a TextDecoder used with { stream: true },
  // the text of the line not finished yet, the data lines and event type of
  // the event being built, the last id.

  /** Feed one read; returns the events it completed (often none, sometimes several). */
  push(chunk: Uint8Array | string): SseEvent[] {
    return todo('sse-decode');
  }

  /** The stream has ended: finish the last line and deliver an event still waiting for its blank line. */
  flush(): SseEvent[] {
    return todo('sse-decode');
  }
}

/**
 * Decode a whole body: a web ReadableStream (fetch's `response.body`) or any
 * async iterable of reads (a Node `IncomingMessage`, a test's array). Stopping
 * early (`break`) must cancel the body, which is how a client hangs up.
 */
export async function* decodeSse(body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string>): AsyncGenerator<SseEvent, void, undefined> {
  todo('sse-decode');
}
