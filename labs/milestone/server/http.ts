/**
 * The API's error shape and input checks. Every refusal is `{"error": code,
 * "message": text}` with a status that says whose fault it was, decided
 * before anything is stored or any tokens are spent.
 */
import { BadChatRequestError, parseChatRequest } from '../../../modules/streaming/reference/index.ts';
import { InvalidArgumentError, SESSION_ID_PATTERN, SessionNotFoundError, StoreError, StoreUnavailableError } from '../../../modules/persistence/reference/index.ts';
import { LIMITS } from './config.ts';

export type ErrorCode =
  | 'invalid_json'
  | 'invalid_request'
  | 'invalid_session_id'
  | 'body_too_large'
  | 'message_too_long'
  | 'system_prompt_too_long'
  | 'context_overflow'
  | 'session_not_found'
  | 'system_prompt_not_allowed'
  | 'session_busy'
  | 'not_found'
  | 'method_not_allowed'
  | 'shutting_down'
  | 'store_unavailable'
  | 'internal_error';

/** A refusal with its HTTP status: thrown by the service, turned into JSON by the app. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: 400 | 404 | 405 | 409 | 413 | 500 | 503,
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function jsonError(error: ApiError): Response {
  return Response.json({ error: error.code, message: error.message }, { status: error.status, headers: error.headers });
}

/** Store failures as the API reports them; anything unexpected is a 500 that names no internals. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof SessionNotFoundError) return new ApiError(404, 'session_not_found', `No session "${error.sessionId}". Start one with POST /chat/stream/new.`);
  if (error instanceof InvalidArgumentError) return new ApiError(400, 'invalid_request', error.message);
  if (error instanceof StoreUnavailableError) return new ApiError(503, 'store_unavailable', 'The session store is unavailable right now. Try again shortly.', { 'Retry-After': '2' });
  if (error instanceof StoreError && error.code === 'closed') return new ApiError(503, 'shutting_down', 'The server is shutting down.');
  return new ApiError(500, 'internal_error', 'Something went wrong on the server; it has been logged.');
}

/** A session id from a URL: the store's pattern (letters, digits, - and _; 1 to 128). */
export function checkSessionId(id: string): string {
  if (!SESSION_ID_PATTERN.test(id)) {
    throw new ApiError(400, 'invalid_session_id', `"${id.slice(0, 40)}" is not a session id: ids are 1-128 letters, digits, "-" or "_".`);
  }
  return id;
}

/**
 * The body as text, refused with 413 past `limit` bytes. A declared length
 * over the limit is refused without reading; one within it is read whole; an
 * undeclared one (chunked) is read only up to the limit (then the rest is drained, so the client reads our answer
 * instead of a reset connection).
 */
export async function readBody(request: Request, limit: number = LIMITS.maxBodyBytes): Promise<string> {
  const tooLarge = () => new ApiError(413, 'body_too_large', `The request body is over ${limit} bytes (1 MiB).`);
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    await drain(request.body, 16 * limit);
    throw tooLarge();
  }
  // A declared length within the limit: the HTTP parser reads exactly that many bytes, so read it whole
  // (on @hono/node-server this skips the web stream: ~0.4 ms sooner to the provider call).
  if (Number.isFinite(declared)) return request.text();
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      reader.releaseLock();
      await drain(request.body, 16 * limit);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function drain(body: ReadableStream<Uint8Array> | null, upTo: number): Promise<void> {
  if (!body) return;
  const reader = body.getReader();
  let seen = 0;
  try {
    while (seen < upTo) {
      const { done, value } = await reader.read();
      if (done) return;
      seen += value.byteLength;
    }
    await reader.cancel();
  } catch {
    // the client went away: nothing to answer
  }
}

export interface ChatInput {
  message: string;
  /** undefined when the body has none (or null). */
  systemPrompt: string | undefined;
}

/** `{"message": string, "system_prompt"?: string}`, checked against the limits. */
export function parseChatBody(text: string): ChatInput {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError(400, 'invalid_json', 'The body is not valid JSON. Send {"message": "Hello"}.');
  }
  let body;
  try {
    body = parseChatRequest(value); // the streaming module's check: an object with a non-empty string message
  } catch (e) {
    if (e instanceof BadChatRequestError) throw new ApiError(400, 'invalid_request', e.message);
    throw e;
  }
  const bytes = Buffer.byteLength(body.message, 'utf8');
  if (bytes > LIMITS.maxMessageBytes) {
    throw new ApiError(413, 'message_too_long', `"message" is ${bytes} bytes of UTF-8; the limit is ${LIMITS.maxMessageBytes} (64 KiB).`);
  }
  const prompt = body.system_prompt;
  if (prompt !== undefined && prompt !== null && typeof prompt !== 'string') {
    throw new ApiError(400, 'invalid_request', '"system_prompt" must be a string.');
  }
  if (typeof prompt === 'string' && Buffer.byteLength(prompt, 'utf8') > LIMITS.maxSystemPromptBytes) {
    throw new ApiError(413, 'system_prompt_too_long', `"system_prompt" is over ${LIMITS.maxSystemPromptBytes} bytes (64 KiB).`);
  }
  return { message: body.message, systemPrompt: typeof prompt === 'string' ? prompt : undefined };
}
