/**
 * Exercise sse-decode: turn a byte stream into Server-Sent Events.
 *
 * The network hands you reads, not events: a read can end in the middle of a
 * line, between the \r and \n of a CRLF, or inside a multi-byte character.
 * The decoder keeps whatever is incomplete and only reports whole events.
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
 */

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

const LF = 10;
const CR = 13;

export class SseDecoder {
  readonly #utf8 = new TextDecoder('utf-8');
  /** Text received but not yet ended by a line break. */
  #pending = '';
  #started = false;
  #data: string[] = [];
  #type = '';
  #lastId: string | undefined;
  #retry: number | undefined;

  /** Feed one read; returns the events it completed (often none, sometimes several). */
  push(chunk: Uint8Array | string): SseEvent[] {
    const text = typeof chunk === 'string' ? chunk : this.#utf8.decode(chunk, { stream: true });
    return this.#feed(text, false);
  }

  /** The stream has ended: finish the last line and deliver an event still waiting for its blank line. */
  flush(): SseEvent[] {
    const events = this.#feed(this.#utf8.decode(), true);
    this.#dispatch(events);
    return events;
  }

  #feed(text: string, atEnd: boolean): SseEvent[] {
    let buffer = this.#pending + text;
    if (!this.#started && buffer.length > 0) {
      this.#started = true;
      if (buffer.charCodeAt(0) === 0xfeff) buffer = buffer.slice(1); // a byte-order mark at the very start
    }
    const events: SseEvent[] = [];
    let lineStart = 0;
    for (let i = 0; i < buffer.length; i++) {
      const c = buffer.charCodeAt(i);
      if (c !== LF && c !== CR) continue;
      // A \r at the end of a read may be the first half of \r\n: wait for the next read.
      if (c === CR && i === buffer.length - 1 && !atEnd) break;
      this.#line(buffer.slice(lineStart, i), events);
      if (c === CR && buffer.charCodeAt(i + 1) === LF) i++;
      lineStart = i + 1;
    }
    this.#pending = buffer.slice(lineStart);
    if (atEnd && this.#pending !== '') {
      this.#line(this.#pending, events);
      this.#pending = '';
    }
    return events;
  }

  #line(line: string, events: SseEvent[]): void {
    if (line === '') {
      this.#dispatch(events);
      return;
    }
    if (line.charCodeAt(0) === 0x3a) return; // ":" comment
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    switch (field) {
      case 'data':
        this.#data.push(value);
        break;
      case 'event':
        this.#type = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.#lastId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.#retry = Number(value);
        break;
      default:
        break; // unknown fields are ignored
    }
  }

  #dispatch(events: SseEvent[]): void {
    if (this.#data.length > 0) {
      const event: SseEvent = { event: this.#type || 'message', data: this.#data.join('\n') };
      if (this.#lastId !== undefined) event.id = this.#lastId;
      if (this.#retry !== undefined) event.retry = this.#retry;
      events.push(event);
    }
    this.#data = [];
    this.#type = '';
    this.#retry = undefined;
  }
}

function isReadableStream(body: unknown): body is ReadableStream<Uint8Array> {
  return typeof (body as ReadableStream<Uint8Array> | null)?.getReader === 'function';
}

/**
 * Decode a whole body: a web ReadableStream (fetch's `response.body`) or any
 * async iterable of reads (a Node `IncomingMessage`, a test's array). Stopping
 * early (`break`) cancels the body, which is how a client hangs up.
 */
export async function* decodeSse(body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string>): AsyncGenerator<SseEvent, void, undefined> {
  const decoder = new SseDecoder();
  if (isReadableStream(body)) {
    const reader = body.getReader();
    let ended = false;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          ended = true;
          break;
        }
        yield* decoder.push(value);
      }
    } finally {
      if (!ended) await reader.cancel().catch(() => {});
      reader.releaseLock();
    }
  } else {
    for await (const chunk of body) yield* decoder.push(chunk);
  }
  yield* decoder.flush();
}
