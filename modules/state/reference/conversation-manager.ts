import { streamExchange } from './chat-stream.ts';
import { ContextStrategyError, ConversationBusyError, InvalidHistoryError } from '../given/errors.ts';
import type {
  CallOptions,
  ChatAdapter,
  ChatMessage,
  ChatRequest,
  ChatResult,
  CompletedTurn,
  ContextStrategy,
  ContextView,
  ConversationOptions,
  Exchange,
  PreparedExchange,
  Turn,
  TurnInput,
  Usage,
} from '../given/types.ts';

/**
 * A conversation with a provider-neutral model. The model remembers nothing
 * between calls, so the manager keeps the history and sends all of it (or
 * what the context strategy chooses) with every call.
 *
 * Invariants:
 *  - the history is whole turns: user, assistant, user, assistant, ...;
 *  - a call appends its user message and the reply together, or nothing;
 *  - one call at a time (a second one throws ConversationBusyError);
 *  - the history is read-only from outside: frozen turns in a frozen array.
 */
export class ConversationManager {
  readonly adapter: ChatAdapter;
  readonly model: string;
  readonly systemPrompt: string;
  readonly maxTokens: number;
  readonly #contextStrategy: ContextStrategy | undefined;
  readonly #onTurn: ConversationOptions['onTurn'];
  readonly #now: () => Date;
  #turns: Turn[] = [];
  #view: readonly Turn[] | null = null;
  #busy = false;
  #lastRequest: ChatRequest | null = null;

  constructor(options: ConversationOptions) {
    if (!options || typeof options.adapter?.complete !== 'function') throw new TypeError('ConversationManager needs an adapter (anthropicAdapter(client) or openaiAdapter(client)).');
    if (typeof options.model !== 'string' || options.model === '') throw new TypeError('ConversationManager needs a model name.');
    const maxTokens = options.maxTokens ?? 1024;
    if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new TypeError(`maxTokens must be a positive integer; got ${String(options.maxTokens)}.`);
    this.adapter = options.adapter;
    this.model = options.model;
    this.systemPrompt = options.systemPrompt ?? '';
    this.maxTokens = maxTokens;
    this.#contextStrategy = options.contextStrategy;
    this.#onTurn = options.onTurn;
    this.#now = options.now ?? (() => new Date());
  }

  /** A manager that continues a stored conversation (validated like load()). */
  static fromHistory(turns: readonly TurnInput[], options: ConversationOptions): ConversationManager {
    const manager = new ConversationManager(options);
    manager.load(turns);
    return manager;
  }

  /** The stored turns, oldest first. A frozen snapshot: it does not change when the conversation does. */
  get history(): readonly Turn[] {
    this.#view ??= Object.freeze([...this.#turns]);
    return this.#view;
  }

  /** Completed turns: how many messages the user has sent and had answered. */
  get turnCount(): number {
    return this.#turns.length / 2;
  }

  /** Whether a call is in flight. */
  get busy(): boolean {
    return this.#busy;
  }

  /** The last request handed to the adapter (even if the call then failed), or null. */
  get lastRequest(): ChatRequest | null {
    return this.#lastRequest;
  }

  /** Tokens read and written over the stored turns. */
  get totalUsage(): Usage {
    let inputTokens = 0;
    let outputTokens = 0;
    for (const turn of this.#turns) {
      inputTokens += turn.usage?.inputTokens ?? 0;
      outputTokens += turn.usage?.outputTokens ?? 0;
    }
    return { inputTokens, outputTokens };
  }

  /** Replace the history with stored turns (whole turns only). */
  load(turns: readonly TurnInput[]): void {
    if (this.#busy) throw new ConversationBusyError('load a history');
    this.#set(validateHistory(turns, this.#now));
  }

  /** Forget everything said. The system prompt, model and options stay. */
  clear(): void {
    if (this.#busy) throw new ConversationBusyError('clear the conversation');
    this.#set([]);
  }

  /** Send a message with the history; resolve with the reply once it is in the history. */
  async chat(input: string, options: CallOptions = {}): Promise<string> {
    const exchange = this.#exchange();
    const prepared = await exchange.begin(input);
    try {
      const result = await this.adapter.complete(prepared.request, options);
      await exchange.commit(prepared, result);
      return result.text;
    } finally {
      exchange.end();
    }
  }

  /**
   * Stream a reply: yields text as it arrives; the turn is appended from the
   * final message when the stream completes. A failure, an abort or a
   * consumer's early `break` appends nothing (see chat-stream.ts).
   */
  chatStream(input: string, options: CallOptions = {}): AsyncGenerator<string, string, undefined> {
    return streamExchange(this.#exchange(), input, options);
  }

  #set(turns: Turn[]): void {
    this.#turns = turns;
    this.#view = null;
  }

  #exchange(): Exchange {
    return {
      adapter: this.adapter,
      begin: (input) => this.#begin(input),
      commit: (prepared, result) => this.#commit(prepared, result),
      end: () => {
        this.#busy = false;
      },
    };
  }

  async #begin(input: string): Promise<PreparedExchange> {
    if (typeof input !== 'string' || input.trim() === '') throw new TypeError('The message must be a non-empty string.');
    // Marked before the first await, so a second call started in the same tick is refused.
    if (this.#busy) throw new ConversationBusyError();
    this.#busy = true;
    try {
      const user = freezeTurn({ role: 'user', content: input, timestamp: this.#now().toISOString() });
      const pending = [...this.#turns, user];
      let system = this.systemPrompt;
      let messages: readonly ChatMessage[] = pending;
      if (this.#contextStrategy) {
        const view = await this.#contextStrategy(Object.freeze(pending), {
          provider: this.adapter.provider,
          model: this.model,
          maxTokens: this.maxTokens,
          systemPrompt: this.systemPrompt,
        });
        ({ system, messages } = checkView(view, input, system));
      }
      const request: ChatRequest = {
        model: this.model,
        maxTokens: this.maxTokens,
        system,
        // Role and content only: the provider has no use for our timestamps.
        messages: messages.map((m) => ({ role: m.role, content: m.content })),
      };
      this.#lastRequest = request;
      return { user, request };
    } catch (error) {
      this.#busy = false;
      throw error;
    }
  }

  async #commit(prepared: PreparedExchange, result: ChatResult): Promise<void> {
    const assistant = freezeTurn({
      role: 'assistant',
      content: result.text,
      timestamp: this.#now().toISOString(),
      usage: Object.freeze({ inputTokens: result.usage.inputTokens, outputTokens: result.usage.outputTokens }),
      model: result.model,
      stopReason: result.stopReason,
    });
    const before = this.#turns;
    this.#set([...before, prepared.user, assistant]);
    if (!this.#onTurn) return;
    const completed: CompletedTurn = Object.freeze({ user: prepared.user, assistant, turnNumber: this.turnCount });
    try {
      await this.#onTurn(completed);
    } catch (error) {
      // The observer (a store) did not take the turn: keep memory and store in step.
      this.#set(before);
      throw error;
    }
  }
}

function freezeTurn(turn: Turn): Turn {
  const copy: Turn = {
    role: turn.role,
    content: turn.content,
    timestamp: turn.timestamp,
    ...(turn.usage ? { usage: Object.freeze({ inputTokens: turn.usage.inputTokens, outputTokens: turn.usage.outputTokens }) } : {}),
    ...(turn.model !== undefined ? { model: turn.model } : {}),
    ...(turn.stopReason !== undefined ? { stopReason: turn.stopReason } : {}),
  };
  return Object.freeze(copy);
}

function validateHistory(turns: readonly TurnInput[], now: () => Date): Turn[] {
  if (!Array.isArray(turns)) throw new InvalidHistoryError(0, 'expected an array of turns');
  const out: Turn[] = [];
  turns.forEach((turn, i) => {
    const expected = i % 2 === 0 ? 'user' : 'assistant';
    if (typeof turn !== 'object' || turn === null) throw new InvalidHistoryError(i, 'not an object');
    if (turn.role !== expected) throw new InvalidHistoryError(i, `expected role "${expected}", got "${String(turn.role)}"`);
    if (typeof turn.content !== 'string') throw new InvalidHistoryError(i, 'content must be a string');
    let timestamp: string;
    if (turn.timestamp === undefined) timestamp = now().toISOString();
    else {
      const date = turn.timestamp instanceof Date ? turn.timestamp : new Date(turn.timestamp);
      if (Number.isNaN(date.getTime())) throw new InvalidHistoryError(i, `timestamp "${String(turn.timestamp)}" is not a date`);
      timestamp = date.toISOString();
    }
    out.push(freezeTurn({ role: turn.role, content: turn.content, timestamp, usage: turn.usage, model: turn.model, stopReason: turn.stopReason }));
  });
  if (out.length % 2 !== 0) throw new InvalidHistoryError(out.length - 1, 'the last user message has no reply (an unfinished turn)');
  return out;
}

function checkView(view: readonly ChatMessage[] | ContextView, input: string, system: string): { system: string; messages: readonly ChatMessage[] } {
  const isView = !Array.isArray(view);
  const messages = isView ? (view as ContextView).messages : (view as readonly ChatMessage[]);
  const viewSystem = isView ? (view as ContextView).system : undefined;
  if (!Array.isArray(messages) || messages.length === 0) throw new ContextStrategyError('no messages');
  messages.forEach((m, i) => {
    if (!m || (m.role !== 'user' && m.role !== 'assistant') || typeof m.content !== 'string') {
      throw new ContextStrategyError(`message ${i} must have role "user" or "assistant" and string content`);
    }
  });
  const last = messages[messages.length - 1];
  if (last.role !== 'user' || last.content !== input) throw new ContextStrategyError('the last message is not the current input');
  if (viewSystem !== undefined && typeof viewSystem !== 'string') throw new ContextStrategyError('system must be a string');
  return { system: viewSystem ?? system, messages };
}
