import { todo } from '../../shared/not-implemented.ts';
import { streamExchange } from './chat-stream.ts';
import { ContextStrategyError, ConversationBusyError, InvalidHistoryError } from '../given/errors.ts';
import type { CallOptions, ChatAdapter, ChatRequest, ChatResult, ConversationOptions, Exchange, PreparedExchange, Turn, TurnInput, Usage } from '../given/types.ts';

// You will need these; they are imported so the starter names them for you.
void ContextStrategyError;
void ConversationBusyError;
void InvalidHistoryError;

/**
 * A conversation with a provider-neutral model. The model remembers nothing
 * between calls, so the manager keeps the history and sends all of it (or
 * what the context strategy chooses) with every call.
 *
 * Keep these invariants (the suite checks each one):
 *  - the history is whole turns: user, assistant, user, assistant, ...;
 *  - a call appends its user message and the reply together, or nothing
 *    (a failed call leaves the history exactly as it was);
 *  - one call at a time: a second call, clear() or load() while a call is in
 *    flight throws ConversationBusyError;
 *  - `history` is read-only from outside (freeze the turns and the array, or
 *    hand out copies): nobody can change the history but the manager.
 *
 * Suggested private state: the turns array, a busy flag, the last request,
 * and the options (contextStrategy, onTurn, now).
 */
export class ConversationManager {
  readonly adapter!: ChatAdapter;
  readonly model!: string;
  /** Default ''. */
  readonly systemPrompt!: string;
  /** Default 1024. */
  readonly maxTokens!: number;

  /** Store the options (with their defaults). Throw a TypeError for a missing adapter or model. */
  constructor(options: ConversationOptions) {
    void options;
    todo('state-conversation-manager');
  }

  /** A manager that continues a stored conversation: construct, then load(). */
  static fromHistory(turns: readonly TurnInput[], options: ConversationOptions): ConversationManager {
    void turns;
    void options;
    return todo('state-conversation-manager');
  }

  /** The stored turns, oldest first, read-only; a later call must not change a view already handed out. */
  get history(): readonly Turn[] {
    return todo('state-conversation-manager');
  }

  /** Completed turns: how many user messages have been answered. */
  get turnCount(): number {
    return todo('state-conversation-manager');
  }

  /** Whether a call is in flight. */
  get busy(): boolean {
    return todo('state-conversation-manager');
  }

  /** The last request handed to the adapter (even if the call then failed), or null. */
  get lastRequest(): ChatRequest | null {
    return todo('state-conversation-manager');
  }

  /** Sum of the usage stored on the assistant turns. */
  get totalUsage(): Usage {
    return todo('state-conversation-manager');
  }

  /**
   * Replace the history with stored turns. Validate: roles alternate user,
   * assistant, ... and the count is even; content is a string; a timestamp is
   * a valid date (string or Date, stored as an ISO string; missing = now()).
   * Otherwise throw InvalidHistoryError(index, reason).
   */
  load(turns: readonly TurnInput[]): void {
    void turns;
    todo('state-conversation-manager');
  }

  /** Forget everything said; keep the settings. */
  clear(): void {
    todo('state-conversation-manager');
  }

  /**
   * begin, adapter.complete, commit, and end on every path. Return the reply's text.
   * (Look at streamExchange in chat-stream.ts: chat() is its non-streaming twin.)
   */
  async chat(input: string, options: CallOptions = {}): Promise<string> {
    void input;
    void options;
    return todo('state-conversation-manager');
  }

  /** Given: the streaming twin of chat(), written in chat-stream.ts (the next exercise). */
  chatStream(input: string, options: CallOptions = {}): AsyncGenerator<string, string, undefined> {
    return streamExchange(this.#exchange(), input, options);
  }

  /** Given: the steps of a call, handed to streamExchange. */
  #exchange(): Exchange {
    return {
      adapter: this.adapter,
      begin: (input) => this.#begin(input),
      commit: (prepared, result) => this.#commit(prepared, result),
      end: () => this.#end(),
    };
  }

  /**
   * Start a call:
   *  - reject a non-string or blank input with a TypeError;
   *  - if busy, throw ConversationBusyError; else mark busy BEFORE any await;
   *  - build the user turn (timestamp from now()) but do not store it yet;
   *  - the messages to send are the history plus that turn, unless a
   *    contextStrategy is set: then send what it returns (messages, or
   *    { system?, messages }); its last message must be this input, unchanged,
   *    or throw ContextStrategyError;
   *  - send only role and content; remember the request as lastRequest;
   *  - if anything here throws after you marked busy, unmark it before rethrowing.
   */
  async #begin(input: string): Promise<PreparedExchange> {
    void input;
    return todo('state-conversation-manager');
  }

  /**
   * Finish a call: build the assistant turn from the result (content, usage,
   * model, stopReason, timestamp), append the user turn and it together, then
   * await onTurn({ user, assistant, turnNumber }). If onTurn throws, remove the
   * two turns again and rethrow.
   */
  async #commit(prepared: PreparedExchange, result: ChatResult): Promise<void> {
    void prepared;
    void result;
    return todo('state-conversation-manager');
  }

  /** Release the conversation (not busy any more). */
  #end(): void {
    todo('state-conversation-manager');
  }
}
