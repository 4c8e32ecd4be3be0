/**
 * A push-based SSE body: each event is encoded (the streaming module's
 * encodeSse) and queued the moment it is sent, and the HTTP layer reads it
 * as a web-standard ReadableStream.
 *
 * Why push, when the streaming module's sseResponse pulls from an async
 * iterable: a reply is generated whether or not anyone reads it (the client
 * may leave and the reply still runs to its end and is stored), so its
 * events are pushed anyway. Pulling them through a queue and an iterator put
 * two more promise hops and their allocations on every token; at a thousand
 * open streams that garbage is what the collector's pauses are made of.
 */
import { encodeSse } from '../../../modules/streaming/reference/index.ts';

const encoder = new TextEncoder();

/** T: the events this channel carries (each sent as one `data:` line of JSON). */
export class SseChannel<T> {
  readonly #onCancel: () => void;
  #body: ReadableStream<Uint8Array> | null = null;
  #controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  /** Encoded events sent before the body was asked for. */
  #early: Uint8Array[] = [];
  #open = true;

  /** `onCancel` runs once if the reader goes away (the client disconnected) before close(). */
  constructor(onCancel: () => void) {
    this.#onCancel = onCancel;
  }

  /**
   * The SSE body, made on first use. Lazily, because a reply's first event is sent before its
   * upstream request goes out and the body is only needed after: on Node 20 a ReadableStream costs
   * ~60 µs to build (it is made transferable), which would otherwise come before the provider call.
   */
  get body(): ReadableStream<Uint8Array> {
    this.#body ??= new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
        for (const chunk of this.#early) controller.enqueue(chunk);
        this.#early = [];
        if (!this.#open) controller.close();
      },
      cancel: () => {
        if (!this.#open) return;
        this.#open = false;
        this.#onCancel();
      },
    });
    return this.#body;
  }

  /** False once closed or cancelled: later events are dropped. */
  get open(): boolean {
    return this.#open;
  }

  send(event: T): void {
    if (!this.#open) return;
    const chunk = encoder.encode(encodeSse(event));
    if (this.#controller) this.#controller.enqueue(chunk);
    else this.#early.push(chunk);
  }

  /** The last event has been sent. */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#controller?.close();
  }
}
