/**
 * The milestone API as a web-standard handler, `fetch(Request) => Response`
 * (Hono). Routes, error shapes and the request log live here; sessions and
 * replies live in chat.ts.
 *
 *   POST   /chat/stream/{session_id}   ("new" starts a session) -> SSE
 *   GET    /sessions/{id}/history
 *   GET    /sessions/{id}/stats
 *   DELETE /sessions/{id}
 *   POST   /sessions/{id}/stop
 *   GET    /                           the chat page (web/)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Hono, type Context } from 'hono';
import { SSE_HEADERS } from '../../../modules/streaming/reference/index.ts';
import { ChatService, type ChatServiceOptions } from './chat.ts';
import { ApiError, jsonError, parseChatBody, readBody, toApiError } from './http.ts';

export interface AppOptions extends Omit<ChatServiceOptions, 'log'> {
  /** One line per request (default: none). */
  log?: (line: string) => void;
  /** Where the page's files are. Default: labs/milestone/web. */
  webDir?: string;
}

export interface MilestoneApp {
  fetch: (request: Request) => Response | Promise<Response>;
  chat: ChatService;
}

const WEB_DIR = path.resolve(import.meta.dirname, '..', 'web');
const STATIC: Record<string, [file: string, type: string]> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/style.css': ['style.css', 'text/css; charset=utf-8'],
};

export function createApp(options: AppOptions): MilestoneApp {
  const log = options.log ?? (() => {});
  const chat = new ChatService({ ...options, log });
  const app = new Hono();
  const webDir = options.webDir ?? WEB_DIR;
  const files = new Map(Object.entries(STATIC).map(([route, [file, type]]) => [route, { body: readFileSync(path.join(webDir, file)), type }]));

  // The request log: one line per request. Streams are logged by their generation when they end.
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    if (c.res.headers.get('content-type')?.startsWith('text/event-stream')) return;
    log(`${new Date().toISOString()} ${c.req.method} ${c.req.path} ${c.res.status} ${Math.round(performance.now() - started)}ms`);
  });

  for (const [route, file] of files) {
    app.get(route, (c) =>
      c.body(new Uint8Array(file.body), 200, {
        'Content-Type': file.type,
        'Cache-Control': 'no-cache',
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
      }),
    );
  }

  app.post('/chat/stream/:id', async (c) => {
    const input = parseChatBody(await readBody(c.req.raw));
    const method = c.req.method;
    const { sessionId, generation } = await chat.start(c.req.param('id'), input, (outcome, id) => {
      log(`${new Date().toISOString()} ${method} ${c.req.path} 200 session=${id} ${outcome}`);
    });
    // Let the reply's upstream request go out before we answer: the provider starts on its first token
    // while we write the SSE headers (otherwise writing them delays that request by ~0.3 ms).
    await new Promise((resolve) => setImmediate(resolve));
    return new Response(generation.body, { headers: { ...SSE_HEADERS, 'X-Session-Id': sessionId } });
  });
  app.get('/sessions/:id/history', async (c) => c.json(await chat.history(c.req.param('id'))));
  app.get('/sessions/:id/stats', async (c) => c.json(await chat.stats(c.req.param('id'))));
  app.post('/sessions/:id/stop', async (c) => c.json(await chat.stop(c.req.param('id'))));
  app.delete('/sessions/:id', async (c) => {
    await chat.remove(c.req.param('id'));
    return c.body(null, 204);
  });

  // A known path with the wrong method: 405 with the methods it does take.
  const allow = (methods: string) => (c: Context) => jsonError(new ApiError(405, 'method_not_allowed', `${c.req.method} is not allowed here; use ${methods}.`, { Allow: methods }));
  app.all('/chat/stream/:id', allow('POST'));
  app.all('/sessions/:id/history', allow('GET'));
  app.all('/sessions/:id/stats', allow('GET'));
  app.all('/sessions/:id/stop', allow('POST'));
  app.all('/sessions/:id', allow('DELETE'));
  for (const route of files.keys()) app.all(route, allow('GET'));

  app.notFound((c) => jsonError(new ApiError(404, 'not_found', `No route for ${c.req.method} ${c.req.path}. See the README for the API.`)));
  // A thrown ApiError is a refusal; anything else is a bug, logged, and answered with a bare 500.
  app.onError((error, c) => {
    const api = toApiError(error);
    if (api.status === 500) log(`${new Date().toISOString()} ${c.req.method} ${c.req.path} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return jsonError(api);
  });

  return { fetch: (request) => app.fetch(request), chat };
}
