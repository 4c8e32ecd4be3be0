/**
 * HTTP only: how the suite talks to the server under test. The SSE bytes are
 * decoded with the streaming module's decoder (lines split across reads, CRLF,
 * comments), and every event must be one JSON object in `data:`.
 */
import { decodeSse } from '../../../modules/streaming/reference/index.ts';
import { eventually as retryUntil } from '../../../test-support/eventually.ts';

export type Json = Record<string, unknown>;

export interface ChatResult {
  status: number;
  headers: Headers;
  /** SSE responses: every event's payload, in order. */
  events: Json[];
  /** Non-SSE responses (errors): the parsed JSON body, or the text if it is not JSON. */
  body: unknown;
  /** All text deltas joined. */
  text: string;
  sessionId: string | null;
  error: Json | null;
  done: Json | null;
  /** We hung up before the stream ended (onEvent returned 'hang-up'). */
  hungUp: boolean;
}

export interface ChatOptions {
  /** Called for each event; return 'hang-up' to disconnect right there. */
  onEvent?: (event: Json, result: ChatResult) => void | 'hang-up';
  /** Send these exact bytes instead of JSON.stringify(body). */
  raw?: string | Uint8Array;
  signal?: AbortSignal;
}

/** POST /chat/stream/{id} and read the answer to its end (or until the caller hangs up). */
export async function chat(base: string, id: string, body: unknown, options: ChatOptions = {}): Promise<ChatResult> {
  const hangUp = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, hangUp.signal]) : hangUp.signal;
  const payload = options.raw ?? JSON.stringify(body);
  const response = await fetch(`${base}/chat/stream/${id}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
    body: typeof payload === 'string' ? payload : new Uint8Array(payload),
    signal,
  });
  const result: ChatResult = { status: response.status, headers: response.headers, events: [], body: null, text: '', sessionId: null, error: null, done: null, hungUp: false };
  if (!(response.headers.get('content-type') ?? '').includes('text/event-stream')) {
    const text = await response.text();
    try {
      result.body = JSON.parse(text);
    } catch {
      result.body = text;
    }
    return result;
  }
  if (!response.body) throw new Error('The stream response has no body.');
  try {
    for await (const event of decodeSse(response.body)) {
      let data: unknown;
      try {
        data = JSON.parse(event.data);
      } catch {
        throw new Error(`An SSE event's data is not JSON: ${JSON.stringify(event.data.slice(0, 200))}`);
      }
      if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error(`An SSE event is not a JSON object: ${event.data.slice(0, 200)}`);
      const payload = data as Json;
      result.events.push(payload);
      if (typeof payload.session_id === 'string' && result.sessionId === null) result.sessionId = payload.session_id;
      if (typeof payload.text === 'string') result.text += payload.text;
      if ('error' in payload) result.error = payload;
      if (payload.done === true) result.done = payload;
      if (options.onEvent?.(payload, result) === 'hang-up') {
        result.hungUp = true;
        hangUp.abort();
        break;
      }
    }
  } catch (error) {
    if (!result.hungUp) throw error;
  }
  return result;
}

/** Start a stream and resolve once `ready(result)` holds (e.g. the first text arrived); the rest keeps reading. */
export function chatUntil(base: string, id: string, body: unknown, ready: (r: ChatResult) => boolean, options: ChatOptions = {}): { started: Promise<ChatResult>; finished: Promise<ChatResult> } {
  let resolveStarted!: (r: ChatResult) => void;
  const started = new Promise<ChatResult>((resolve) => (resolveStarted = resolve));
  const finished = chat(base, id, body, {
    ...options,
    onEvent: (event, result) => {
      const verdict = options.onEvent?.(event, result);
      if (ready(result)) resolveStarted(result);
      return verdict;
    },
  });
  finished.then(resolveStarted, () => {});
  return { started, finished };
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

export async function call(base: string, method: string, route: string, body?: string): Promise<JsonResponse> {
  const response = await fetch(`${base}${route}`, { method, body, headers: body === undefined ? undefined : { 'Content-Type': 'application/json' } });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    // not JSON: the test that cares says so
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

export interface HistoryMessage {
  role: string;
  content: string;
  created_at: string;
  status?: string;
  [field: string]: unknown;
}

export interface History {
  session_id: string;
  system_prompt: string;
  messages: HistoryMessage[];
}

export async function history(base: string, id: string): Promise<History> {
  const r = await call(base, 'GET', `/sessions/${id}/history`);
  if (r.status !== 200) throw new Error(`GET /sessions/${id}/history answered ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
  return r.body as History;
}

export async function stats(base: string, id: string): Promise<Json> {
  const r = await call(base, 'GET', `/sessions/${id}/stats`);
  if (r.status !== 200) throw new Error(`GET /sessions/${id}/stats answered ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
  return r.body as Json;
}

/** One whole turn on a session ('new' starts one); fails unless it ends with done and no error. */
export async function turn(base: string, id: string, message: string, extra: Json = {}): Promise<ChatResult> {
  const r = await chat(base, id, { message, ...extra });
  if (r.status !== 200) throw new Error(`POST /chat/stream/${id} answered ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
  if (r.error) throw new Error(`The turn "${message.slice(0, 60)}" failed: ${JSON.stringify(r.error)}`);
  if (!r.done) throw new Error(`The stream for "${message.slice(0, 60)}" ended without a done event.`);
  return r;
}

export { sleep } from '../../../test-support/eventually.ts';

/** Retry `probe` until it stops throwing, or `ms` pass (then its last error). Not a timed assertion: a wait for an outcome. */
export const eventually = <T>(probe: () => Promise<T>, ms = 20_000): Promise<T> => retryUntil(probe, ms, 100);
