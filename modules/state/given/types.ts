/**
 * The state module's vocabulary, shared by the reference and the exercises.
 *
 * A Turn is one message of the conversation as the app stores it (the
 * course's word): who said it, what they said, when, and for the assistant
 * what the call cost. What the provider receives is only role and content.
 */

export type Role = 'user' | 'assistant';

/** What one call cost, in the provider's own token counts. */
export interface Usage {
  /** Tokens the provider read: system prompt + every message sent (the whole history). */
  readonly inputTokens: number;
  /** Tokens the provider wrote: the reply. */
  readonly outputTokens: number;
}

/** Why the model stopped, the same words for both providers. */
export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal' | 'other';

/** One stored message. Frozen: the history is append-only and read-only from outside. */
export interface Turn {
  readonly role: Role;
  readonly content: string;
  /** ISO 8601, UTC: when the user sent it, or when the reply was complete. */
  readonly timestamp: string;
  /** Assistant turns: the usage of the call that produced this reply. */
  readonly usage?: Usage;
  /** Assistant turns: the model that answered (as the provider reported it). */
  readonly model?: string;
  /** Assistant turns: why the reply ended ('max_tokens' means it was cut short). */
  readonly stopReason?: StopReason;
}

/** A turn as a store gives it back: the timestamp may be a Date, or missing (then "now"). */
export interface TurnInput {
  role: Role;
  content: string;
  timestamp?: string | Date;
  usage?: Usage;
  model?: string;
  stopReason?: StopReason;
}

/** What a provider receives for each message: role and content, nothing else. */
export interface ChatMessage {
  readonly role: Role;
  readonly content: string;
}

/** A provider-neutral request: the whole state of the conversation, every time. */
export interface ChatRequest {
  model: string;
  maxTokens: number;
  /** '' for none. Anthropic takes it as `system`; OpenAI as a first message with role "system". */
  system: string;
  messages: readonly ChatMessage[];
}

/** A provider-neutral reply, taken from the provider's assembled final message. */
export interface ChatResult {
  text: string;
  usage: Usage;
  stopReason: StopReason;
  model: string;
  /** The provider's id for the response (msg_..., chatcmpl-...). */
  id: string;
}

export interface CallOptions {
  /** Abort the call (and, when streaming, the upstream request). */
  signal?: AbortSignal;
}

/**
 * One provider behind one interface. `stream` yields text as it arrives and
 * returns the result built from the SDK's final message; closing the
 * generator early (a consumer's `break`) aborts the upstream request.
 */
export interface ChatAdapter {
  readonly provider: string;
  complete(request: ChatRequest, options?: CallOptions): Promise<ChatResult>;
  stream(request: ChatRequest, options?: CallOptions): AsyncGenerator<string, ChatResult, undefined>;
}

/** What a context strategy is told about the call being prepared. */
export interface ContextRequest {
  provider: string;
  model: string;
  maxTokens: number;
  systemPrompt: string;
}

/** What to send instead of the whole history: the messages, and optionally another system prompt. */
export interface ContextView {
  system?: string;
  messages: readonly ChatMessage[];
}

/**
 * Decides what is sent, never what is stored. Receives the stored history
 * plus the pending user turn (always last) and returns the messages to send,
 * or a ContextView. The last message sent must be the pending user turn.
 */
export type ContextStrategy = (
  turns: readonly Turn[],
  request: ContextRequest,
) => readonly ChatMessage[] | ContextView | Promise<readonly ChatMessage[] | ContextView>;

/** A finished turn of the conversation: the user's message and the reply to it. */
export interface CompletedTurn {
  readonly user: Turn;
  readonly assistant: Turn;
  /** 1-based: equals turnCount once this turn is in the history. */
  readonly turnNumber: number;
}

export interface ConversationOptions {
  adapter: ChatAdapter;
  model: string;
  /** Sent with every call. Default ''. */
  systemPrompt?: string;
  /** The reply's token limit. Default 1024. */
  maxTokens?: number;
  /** Trim or summarise what is sent (the context module plugs in here). Default: send everything. */
  contextStrategy?: ContextStrategy;
  /**
   * Called once per completed turn, after both messages are in the history
   * and before chat() resolves (or chatStream() finishes). Awaited. If it
   * throws, the turn is taken back out of the history and the call fails.
   */
  onTurn?: (turn: CompletedTurn) => void | Promise<void>;
  /** Clock for timestamps (tests pass a fake one). Default: () => new Date(). */
  now?: () => Date;
}

/**
 * The steps every call takes, shared by chat() and chatStream(). The manager
 * hands this to streamExchange (chat-stream.ts) so the streaming code can
 * prepare, commit and release a call without reaching into the manager.
 */
export interface Exchange {
  readonly adapter: ChatAdapter;
  /** Mark the conversation busy, build the pending user turn and the request (strategy applied). */
  begin(input: string): Promise<PreparedExchange>;
  /** Append the user turn and the reply together, then run onTurn (rolling back if it throws). */
  commit(prepared: PreparedExchange, result: ChatResult): Promise<void>;
  /** Release the conversation (always, success or failure). */
  end(): void;
}

export interface PreparedExchange {
  /** The user's turn, not yet in the history. */
  readonly user: Turn;
  /** Exactly what goes to the adapter. */
  readonly request: ChatRequest;
}
