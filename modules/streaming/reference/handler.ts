/**
 * The chat endpoint as a web-standard handler, `(Request) => Promise<Response>`:
 * POST a JSON body `{"message": "..."}` and read the reply as SSE. It composes
 * the exercises (safeChatEvents inside sseResponse) and wires the one thing
 * that spans them: when the client disconnects, the upstream SDK request is
 * aborted, so you stop paying for tokens nobody will read.
 *
 * Mount it anywhere fetch-style handlers run, e.g. with Hono:
 *   app.post('/chat/stream', (c) => handler(c.req.raw))
 * (Scaffolding: the exercises use this file as it is.)
 */
import { BadChatRequestError } from '../given/errors.ts';
import { safeChatEvents } from './error-safe-stream.ts';
import { sseResponse } from './sse-endpoint.ts';
import type { ChatRequestBody, ReplyStream } from '../given/types.ts';

/** Start the upstream stream for one request. Pass `signal` on to the SDK. */
export type OpenReply = (body: ChatRequestBody, signal: AbortSignal) => ReplyStream | Promise<ReplyStream>;

export function parseChatRequest(value: unknown): ChatRequestBody {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BadChatRequestError('The body must be a JSON object like {"message": "Hello"}.');
  const message = (value as { message?: unknown }).message;
  if (typeof message !== 'string' || message.trim() === '') throw new BadChatRequestError('"message" must be a non-empty string.');
  return value as ChatRequestBody;
}

function jsonError(status: number, error: string, message: string, headers: Record<string, string> = {}): Response {
  return Response.json({ error, message }, { status, headers });
}

export function chatStreamHandler(open: OpenReply): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'POST') return jsonError(405, 'method_not_allowed', 'Use POST with a JSON body.', { Allow: 'POST' });
    let body: ChatRequestBody;
    try {
      body = parseChatRequest(await request.json());
    } catch (e) {
      return jsonError(400, 'bad_request', e instanceof BadChatRequestError ? e.message : 'The body is not valid JSON.');
    }
    const upstream = new AbortController();
    const hangUp = () => upstream.abort(new Error('The client disconnected'));
    // Servers that tie the request's signal to the socket (e.g. @hono/node-server) report a disconnect here too.
    request.signal.addEventListener('abort', hangUp, { once: true });
    const reply = Promise.resolve().then(() => open(body, upstream.signal));
    reply.catch(() => {}); // safeChatEvents reports it; this only stops an early "unhandled rejection"
    return sseResponse(safeChatEvents(reply, { signal: upstream.signal }), { onCancel: hangUp });
  };
}
