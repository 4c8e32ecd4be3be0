/**
 * One reply being generated for one session, decoupled from the HTTP response
 * that watches it. The pieces are the modules': the ConversationManager's
 * chatStream (history, context strategy, onTurn -> store, all-or-nothing),
 * its events in the streaming module's shape (text events, one error event
 * classified by classifyStreamError, the done event last, as safeChatEvents
 * yields them), written by a push-based SSE channel. This file adds what a
 * server needs around them:
 *
 *  - the reply runs to its end even if the client leaves (disconnect policy
 *    "finish": a page refresh then shows it), or is cut when asked to (stop,
 *    "abort" policy, shutdown), and then the part the user saw is stored,
 *    marked interrupted;
 *  - a watchdog cancels a stream that stalls;
 *  - the session is released, and the turn already stored, BEFORE the done
 *    event is sent, so a client that sends its next message the moment it
 *    reads `done` is never refused and always sees the previous turn.
 *
 * Each token takes one loop turn here, from the manager's stream straight to
 * the channel: no generator or queue in between (see sse-channel.ts for why).
 */
import { classifyStreamError, type ChatEvent, type ErrorEvent, type Usage } from '../../../modules/streaming/reference/index.ts';
import type { ConversationManager } from '../../../modules/state/reference/index.ts';
import { SseChannel } from './sse-channel.ts';

export type AbortReason = 'stop' | 'disconnect' | 'stall' | 'shutdown' | 'deleted';

/** What goes on the wire: the chat events plus our first event and the done event's extras. */
export type WireEvent = { session_id: string } | ChatEvent | { done: true; usage?: Usage; stopped?: true };

export interface GenerationOptions {
  sessionId: string;
  message: string;
  stallTimeoutMs: number;
  /** Cut the reply when the client disconnects (policy "abort"); otherwise it runs to its end unwatched. */
  abortOnDisconnect: boolean;
  /** Store the part of a cut-short reply that the user saw (marked interrupted). */
  saveInterrupted(partial: string): Promise<void>;
  /** Free the session. Called before the done event is sent. */
  release(): void;
  /** Called once at the end with what happened (for the request log). */
  onEnd?(outcome: string): void;
}

export class Generation {
  readonly #options: GenerationOptions;
  readonly #controller = new AbortController();
  readonly #channel: SseChannel<WireEvent>;
  #clientLeft = false;
  #reason: AbortReason | null = null;
  #partial = '';
  #timer: NodeJS.Timeout | undefined;
  #ended = false;
  #finished: Promise<void> = Promise.resolve();

  constructor(options: GenerationOptions) {
    this.#options = options;
    this.#channel = new SseChannel(() => this.#disconnected());
    this.#channel.send({ session_id: options.sessionId });
  }

  /** The upstream signal: aborting it cancels the provider request (and a summariser call). */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Settles when the reply has ended and everything about it is stored. */
  get finished(): Promise<void> {
    return this.#finished;
  }

  /** The SSE body for the HTTP response: `{session_id}`, text events, maybe an error event, then done. */
  get body(): ReadableStream<Uint8Array> {
    return this.#channel.body;
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

  /** The client is gone (the body was cancelled): the reply carries on unless the policy cuts it. */
  #disconnected(): void {
    this.#clientLeft = true;
    if (this.#options.abortOnDisconnect) this.abort('disconnect');
  }

  /** (Re)start the stall watchdog. Once it exists it is refreshed, not replaced: no new timer per token. */
  #kick(): void {
    if (this.#timer === undefined) this.#timer = setTimeout(() => this.abort('stall'), this.#options.stallTimeoutMs);
    else this.#timer.refresh();
  }

  async #run(manager: ConversationManager): Promise<void> {
    const started = this.#options;
    let failure: ErrorEvent | null = null;
    let usage: Usage | undefined;
    this.#kick();
    try {
      const stream = manager.chatStream(started.message, { signal: this.#controller.signal });
      for (;;) {
        const next = await stream.next();
        if (next.done) break;
        this.#partial += next.value;
        this.#kick();
        this.#channel.send({ text: next.value });
      }
      // The turn is committed (stored by onTurn) by now: its usage is the last turn's.
      const last = manager.history[manager.history.length - 1];
      usage = { input: last?.usage?.inputTokens ?? 0, output: last?.usage?.outputTokens ?? 0 };
    } catch (error) {
      failure = classifyStreamError(error);
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
    if (error) this.#channel.send(error);
    this.#channel.send(cut === 'stop' ? { done: true, stopped: true } : usage ? { done: true, usage } : { done: true });
    this.#channel.close();
    try {
      started.onEnd?.(this.#clientLeft ? `${outcome} (client left)` : outcome);
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
