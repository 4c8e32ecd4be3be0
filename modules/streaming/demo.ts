/**
 * Try the streaming endpoint by hand: a chat endpoint on 127.0.0.1 whose
 * upstream is the offline provider simulator (real timing), so curl or a
 * browser can watch SSE arrive, trigger faults and hang up mid-stream.
 *
 *   npx tsx modules/streaming/demo.ts [--port 8788] [--speed 1] [--target reference|exercises]
 *   curl -N -X POST http://127.0.0.1:8788/chat/stream -H 'content-type: application/json' \
 *     -d '{"message": "Explain RAG in detail", "provider": "anthropic"}'
 */
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startProviderMock } from '../../fixtures/sim/index.ts';
import { loadTarget } from '../shared/target.ts';

const usage = `demo: a streaming chat endpoint backed by the offline provider simulator

Usage: npx tsx modules/streaming/demo.ts [options]

Options:
  --port <n>        port on 127.0.0.1 (default 8788)
  --speed <x>       simulator speed: 1 = recorded timing, 0 = instant (default 1)
  --target <t>      reference (default) or exercises: whose code serves the stream
  --help            show this help

POST /chat/stream  {"message": "...", "provider": "anthropic" | "openai"}
Faults: put [[fault:rate_limit]] (or overloaded, server_error, mid_stream_error, drop, stall,
slow_first_token) in the message.`;

const { values } = parseArgs({
  options: { port: { type: 'string' }, speed: { type: 'string' }, target: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  strict: true,
});
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const port = Number(values.port ?? 8788);
const speed = Number(values.speed ?? 1);
const target = values.target ?? 'reference';
if (!Number.isInteger(port) || port < 0 || port > 65535 || !Number.isFinite(speed) || speed < 0 || !['reference', 'exercises'].includes(target)) {
  console.error(`error: invalid option.\n\n${usage}`);
  process.exit(2);
}

const streaming = await loadTarget<typeof import('./reference/index.ts')>('streaming', { ...process.env, LAB_TARGET: target });
const mock = startProviderMock({ speed });
const anthropic = new Anthropic({ apiKey: 'sim' });
const openai = new OpenAI({ apiKey: 'sim' });

const handler = streaming.chatStreamHandler((body, signal) => {
  const provider = body.provider === 'openai' ? 'openai' : 'anthropic';
  const started = performance.now();
  console.log(`-> ${provider}: ${JSON.stringify(body.message).slice(0, 80)}`);
  signal.addEventListener('abort', () => console.log(`x  ${provider}: client hung up after ${Math.round(performance.now() - started)} ms; upstream request aborted`), { once: true });
  return provider === 'openai'
    ? streaming.streamOpenAI(openai, { model: 'gpt-4o', messages: [{ role: 'user', content: body.message }] }, { signal })
    : streaming.streamAnthropic(anthropic, { model: 'claude-sonnet-4-6', max_tokens: 1024, messages: [{ role: 'user', content: body.message }] }, { signal });
});

const server = serve({
  hostname: '127.0.0.1',
  port,
  fetch: (request: Request) => {
    const url = new URL(request.url);
    if (url.pathname === '/chat/stream') return handler(request);
    return Response.json({ error: 'not_found', message: 'POST /chat/stream with {"message": "..."}' }, { status: 404 });
  },
});
server.on('listening', () => {
  const address = server.address();
  const shown = typeof address === 'object' && address ? address.port : port;
  console.log(`Streaming demo (${target}) on http://127.0.0.1:${shown}/chat/stream, simulator speed ${speed}. Ctrl-C to stop.`);
});
process.on('SIGINT', () => {
  mock.close();
  server.close(() => process.exit(0));
});
