/**
 * The shapes the streaming module passes around. Provider-neutral on purpose:
 * the endpoint, the error-safe generator and the TTFT probe work the same for
 * an Anthropic stream and an OpenAI stream.
 */

/** Token usage in the course's shape (the done event carries it). */
export interface Usage {
  input: number;
  output: number;
}

/** The provider-neutral view of an assembled final message. */
export interface FinalReply {
  /** All text blocks joined. */
  text: string;
  usage: Usage;
  /** end_turn / tool_use / max_tokens (Anthropic) or stop / tool_calls / length (OpenAI). */
  stopReason: string | null;
}

/**
 * A reply being streamed: iterate it once for the text deltas as they arrive,
 * then (or instead) await `final()` for the SDK-assembled message. `final()`
 * rejects with the SDK's error if the stream failed.
 *
 * The endpoint awaits `final()` before it writes the done event, so a wrapper
 * whose `final()` first stores the turn (the milestone server's case)
 * guarantees the turn is saved before the client sees done.
 */
export interface ReplyStream extends AsyncIterable<string> {
  final(): Promise<FinalReply>;
}

/** Options every streaming call accepts: abort the upstream request with `signal`. */
export interface StreamOptions {
  signal?: AbortSignal;
}

// ── The wire protocol of our own endpoint (the course's FastAPI format) ──────

/** `data: {"text": "..."}`: one text delta. */
export interface TextEvent {
  text: string;
}

/** `data: {"done": true, "usage": {...}}`: always the last event. Usage only when the reply completed. */
export interface DoneEvent {
  done: true;
  usage?: Usage;
}

export type ChatErrorKind = 'rate_limit' | 'api_error' | 'unknown';

/** `data: {"error": "rate_limit", "message": "...", "status": 429}`: sent before the done event when something failed. */
export interface ErrorEvent {
  error: ChatErrorKind;
  message: string;
  /** The provider's HTTP status, when there was one (none for an error after the 200). */
  status?: number;
}

export type ChatEvent = TextEvent | DoneEvent | ErrorEvent;

/** The JSON body our endpoint accepts. Fields besides `message` are passed through to your `open` function. */
export interface ChatRequestBody {
  message: string;
  [field: string]: unknown;
}
