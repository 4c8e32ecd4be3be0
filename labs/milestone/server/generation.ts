/**
 * One reply being generated for one session, decoupled from the HTTP response
 * that watches it. The pieces are the modules': the ConversationManager's
 * chatStream (history, context strategy, onTurn -> store, all-or-nothing) run
 * through the streaming module's safeChatEvents (text events, one error
 * event, the done event last). This file adds what a server needs around them:
 *
 *  - the reply runs to its end even if the client leaves (disconnect policy
 *    "finish": a page refresh then shows it), or is cut when asked to (stop,
 *    "abort" policy, shutdown), and then the part the user saw is stored,
 *    marked interrupted;
 *  - a watchdog cancels a stream that stalls;
 *  - the session is released, and the turn already stored, BEFORE the done
 *    event is queued, so a client that sends its next message the moment it
 *    reads `done` is never refused and always sees the previous turn.
 */
import { classifyStreamError, safeChatEvents, type ChatEvent, type ErrorEvent, type FinalReply, type ReplyStream, type Usage } from '../../../modules/streaming/reference/index.ts';
import type { ConversationManager } from '../../../modules/state/reference/index.ts';

export type AbortReason = 'stop' | 'disconnect' | 'stall' | 'shutdown' | 'deleted';

/** What goes on the wire: the chat events plus our first event and the done event's extras. */
export type WireEvent = { session_id: string } | ChatEvent | { done: true; usage?: Usage; stopped?: true };

export interface GenerationOptions {
  sessionId: string;
  message: string;
  stallTimeoutMs: number;
  /** Store the part of a cut-short reply that the user saw (marked interrupted). */
  saveInterrupted(partial: string): Promise<void>;
  /** Free the session. Called before the done event is queued. */
  release(): void;
  /** Called once at the end with what happened (for the request log). */
  onEnd?(outcome: string): void;
}

/** Events waiting for the HTTP response. If the client has gone, they are dropped. */
class EventQueue<T> {
  #items: T[] = [];
  #wake: (() => void) | null = null;
  #closed = false;
  #detached = false;

  push(item: T): void {
    if (this.#closed || this.#detached) return;
    this.#items.push(item);
    this.#wake?.();
  }
  close(): void {
    this.#closed = true;
    this.#wake?.();
  }
  detach(): void {
    this.#detached = true;
    this.#items = [];
    this.#wake?.();
  }
  get detached(): boolean {
    return this.#detached;
  }
  async next(): Promise<IteratorResult<T, undefined>> {
    for (;;) {
      if (this.#detached) return { done: true, value: undefined };
      const item = this.#items.shift();
      if (item !== undefined) return { done: false, value: item };
      if (this.#closed) return { done: true, value: undefined };
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = null;
    }
  }
}

export class Generation {
  readonly #options: GenerationOptions;
  readonly #controller = new AbortController();
  readonly #queue = new EventQueue<WireEvent>();
  #reason: AbortReason | null = null;
  #partial = '';
  #timer: NodeJS.Timeout | undefined;
  #ended = false;
  #finished: Promise<void> = Promise.resolve();

  constructor(options: GenerationOptions) {
    this.#options = options;
    this.#queue.push({ session_id: options.sessionId });
  }

  /** The upstream signal: aborting it cancels the provider request (and a summariser call). */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Settles when the reply has ended and everything about it is stored. */
  get finished(): Promise<void> {
    return this.#finished;
  }

  /** Start streaming from a manager that holds the session's history. */
  begin(manager: ConversationManager): void {
    this.#finished = this.#run(manager);
  }

  /** Cut the reply short. false if it had already ended (or was already cut). */
  abort(reason: AbortReason): boolean {
    if (this.#ended || this.#reason !== null) return false;
    this.#reason = reason;
    this.#controller.abort(new Error(`The reply was cancelled (${reason}).`));
    return true;
  }

  /** The HTTP response's view of the events. Its return() (the client left) detaches it. */
  events(): AsyncIterable<WireEvent> {
    const queue = this.#queue;
    return {
      [Symbol.asyncIterator]: () => ({
        next: () => queue.next(),
        return: async () => {
          queue.detach();
          return { done: true, value: undefined };
        },
      }),
    };
  }

  /** The client is gone; the reply carries on unless someone aborts it. */
  detach(): void {
    this.#queue.detach();
  }

  /** (Re)start the stall watchdog. Once it exists it is refreshed, not replaced: no new timer per token. */
  #kick(): void {
    if (this.#timer === undefined) this.#timer = setTimeout(() => this.abort('stall'), this.#options.stallTimeoutMs);
    else this.#timer.refresh();
  }

  /** The manager's stream as the streaming module's ReplyStream: deltas, then the final message's usage. */
  #reply(manager: ConversationManager): ReplyStream {
    let final: FinalReply | null = null;
    const texts = async function* (this: Generation): AsyncGenerator<string> {
      const text = yield* this.#watch(manager.chatStream(this.#options.message, { signal: this.#controller.signal }));
      // The turn is committed (stored by onTurn) by now: its usage is the last turn's.
      const last = manager.history[manager.history.length - 1];
      final = { text, usage: { input: last?.usage?.inputTokens ?? 0, output: last?.usage?.outputTokens ?? 0 }, stopReason: last?.stopReason ?? null };
    }.bind(this);
    return {
      [Symbol.asyncIterator]: () => texts(),
      final: async () => {
        if (!final) throw new Error('The reply did not complete.');
        return final;
      },
    };
  }

  async *#watch(stream: AsyncGenerator<string, string>): AsyncGenerator<string, string> {
    for (;;) {
      const next = await stream.next();
      if (next.done) return next.value;
      this.#partial += next.value;
      this.#kick();
      yield next.value;
    }
  }

  async #run(manager: ConversationManager): Promise<void> {
    const started = this.#options;
    let failure: ErrorEvent | null = null;
    let usage: Usage | undefined;
    this.#kick();
    try {
      for await (const event of safeChatEvents(this.#reply(manager))) {
        if ('error' in event) failure = event;
        else if ('done' in event) usage = event.usage;
        else this.#queue.push(event);
      }
    } catch (error) {
      failure = classifyStreamError(error); // safeChatEvents reports every failure; this is a last guard for bugs
    } finally {
      clearTimeout(this.#timer);
    }
    const cut = failure !== null ? this.#reason : null; // an abort that came after the reply completed changed nothing
    let outcome = failure ? `error:${failure.error}` : 'done';
    if (cut === 'stop' || cut === 'disconnect' || cut === 'shutdown') {
      outcome = cut === 'stop' ? 'stopped' : cut;
      if (this.#partial.trim() !== '') {
        await started.saveInterrupted(this.#partial).catch((e: unknown) => {
          outcome += ` (partial reply not saved: ${e instanceof Error ? e.message : String(e)})`;
        });
      }
    }
    this.#ended = true;
    started.release();
    const error = this.#errorFor(cut, failure);
    if (error) this.#queue.push(error);
    this.#queue.push(cut === 'stop' ? { done: true, stopped: true } : usage ? { done: true, usage } : { done: true });
    this.#queue.close();
    try {
      started.onEnd?.(this.#queue.detached ? `${outcome} (client left)` : outcome);
    } catch {
      // a failing logger must not break the session
    }
  }

  /** The error event to send, if any: a cut we made says why, in the client's terms. */
  #errorFor(cut: AbortReason | null, failure: ErrorEvent | null): ErrorEvent | null {
    switch (cut) {
      case 'stop':
      case 'disconnect':
        return null;
      case 'stall':
        return { error: 'api_error', message: `The provider sent nothing for ${this.#options.stallTimeoutMs / 1000} s, so the reply was cancelled. Try again.` };
      case 'shutdown':
        return { error: 'unknown', message: 'The server is shutting down; the reply so far was saved.' };
      case 'deleted':
        return { error: 'unknown', message: 'The session was deleted.' };
      default:
        return failure;
    }
  }
}
