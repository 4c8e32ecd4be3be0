/**
 * The streaming module's one suite. It grades whichever target LAB_TARGET
 * names (reference, exercises or a submission) through the module's public
 * interface only. Every provider call goes to the offline simulator at speed
 * 0; no test asserts a duration.
 *
 * Tests are grouped per exercise (the describe name is the exercise id) and
 * tagged with the checklist items they evidence, in [brackets].
 */
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startProviderMock, activeReplays, stopActiveReplays, type ProviderMock } from '../../fixtures/sim/index.ts';
import { loadTarget } from '../shared/target.ts';
import { exercise, rejection } from '../shared/suite.ts';
import type { AnthropicWireEvent, ChatEvent, ReplyStream, SseEvent } from './reference/index.ts';

const impl = await loadTarget<typeof import('./reference/index.ts')>('streaming');

const CLAUDE = 'claude-sonnet-4-6';
const GPT = 'gpt-4o';
const RAG = 'Explain RAG in detail';
const HELLO = 'Say hello';
const WEATHER = "What's the weather in Mumbai?";
const ENDPOINT = 'http://workbench.test/chat/stream';

const weatherSchema = { type: 'object' as const, properties: { city: { type: 'string', description: 'The city name' } }, required: ['city'] };
const anthropicWeatherTool: Anthropic.Tool = { name: 'get_weather', description: 'Get the current weather for a city', input_schema: weatherSchema };
const openaiWeatherTool: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Get the current weather for a city', parameters: weatherSchema },
};

let mock: ProviderMock;
let anthropic: Anthropic;
let openai: OpenAI;

beforeAll(() => {
  mock = startProviderMock({ speed: 0 });
  // Built after the mock: the SDKs capture fetch when constructed. Default retries are kept on purpose:
  // the simulator's error responses say x-should-retry: false, and the tests count requests.
  anthropic = new Anthropic({ apiKey: 'sim' });
  openai = new OpenAI({ apiKey: 'sim' });
});

afterAll(() => mock.close());

/** Streams a test opened: aborted after each test, so a failing test leaves no stalled replay behind. */
const cleanups: Array<() => void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  mock.sim.reset();
  mock.sim.speed = 0;
  await replaysEnd();
});

// ── Test-side helpers (they use the SDKs directly, never the target) ──────────

const anthropicParams = (content: string, extra: Partial<Anthropic.MessageStreamParams> = {}): Anthropic.MessageStreamParams => ({
  model: CLAUDE,
  max_tokens: 1024,
  messages: [{ role: 'user', content }],
  ...extra,
});

const openaiParams = (content: string, extra: Partial<OpenAI.ChatCompletionCreateParamsStreaming> = {}) => ({
  model: GPT,
  messages: [{ role: 'user' as const, content }],
  ...extra,
});

/** An Anthropic MessageStream plus its final message (whose failure is never left unhandled). */
function sdkAnthropicStream(params: Anthropic.MessageStreamParams, signal?: AbortSignal) {
  const stream = anthropic.messages.stream(params, { signal });
  const final = stream.finalMessage();
  final.catch(() => {});
  cleanups.push(() => stream.abort());
  return { stream, final };
}

function sdkOpenAIStream(params: ReturnType<typeof openaiParams>, signal?: AbortSignal) {
  const stream = openai.chat.completions.stream({ ...params, stream_options: { include_usage: true } }, { signal });
  const final = stream.finalChatCompletion();
  final.catch(() => {});
  cleanups.push(() => stream.abort());
  return { stream, final };
}

/** A ReplyStream built straight on the SDKs, for testing the endpoint pieces on their own. The SDK error of a failed stream is recorded in `seen`. */
function testReply(provider: 'anthropic' | 'openai', content: string, signal: AbortSignal, seen: unknown[] = []): ReplyStream {
  if (provider === 'anthropic') {
    const { stream, final } = sdkAnthropicStream(anthropicParams(content), signal);
    final.catch((error: unknown) => seen.push(error));
    const events = stream[Symbol.asyncIterator]();
    return {
      async *[Symbol.asyncIterator]() {
        for await (const e of { [Symbol.asyncIterator]: () => events }) if (e.type === 'content_block_delta' && e.delta.type === 'text_delta') yield e.delta.text;
        await final;
      },
      async final() {
        const m = await final;
        const text = m.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
        return { text, usage: { input: m.usage.input_tokens, output: m.usage.output_tokens }, stopReason: m.stop_reason };
      },
    };
  }
  const { stream, final } = sdkOpenAIStream(openaiParams(content), signal);
  final.catch((error: unknown) => seen.push(error));
  const chunks = stream[Symbol.asyncIterator]();
  return {
    async *[Symbol.asyncIterator]() {
      for await (const c of { [Symbol.asyncIterator]: () => chunks }) if (c.choices[0]?.delta?.content) yield c.choices[0].delta.content;
      await final;
    },
    async final() {
      const c = await final;
      return { text: c.choices[0]?.message.content ?? '', usage: { input: c.usage?.prompt_tokens ?? 0, output: c.usage?.completion_tokens ?? 0 }, stopReason: c.choices[0]?.finish_reason ?? null };
    },
  };
}

/** A hand-made ReplyStream with fixed text, for tests that need no provider at all. */
function fakeReply(pieces: string[], usage = { input: 11, output: 7 }): ReplyStream {
  return {
    async *[Symbol.asyncIterator]() {
      yield* pieces;
    },
    final: async () => ({ text: pieces.join(''), usage, stopReason: 'end_turn' }),
  };
}

/** Our endpoint's wire format, parsed strictly: every event is exactly one `data: <json>` line and a blank line. */
function parseChatSse(text: string): ChatEvent[] {
  expect(text.endsWith('\n\n'), 'the stream must end with a complete event').toBe(true);
  return text
    .slice(0, -2)
    .split('\n\n')
    .map((block) => {
      expect(block, 'each event is one "data: " line').toMatch(/^data: [^\n]+$/);
      return JSON.parse(block.slice(6)) as ChatEvent;
    });
}

/** The simulator's raw bytes for one request, without any SDK in between. */
async function rawSimulatorBody(provider: 'anthropic' | 'openai', body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Uint8Array> {
  const url = provider === 'anthropic' ? 'https://api.anthropic.com/v1/messages' : 'https://api.openai.com/v1/chat/completions';
  const response = await mock.sim.handle(new Request(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } }));
  return new Uint8Array(await response.arrayBuffer());
}

/** A deliberately plain SSE reader for the tests' own use (whole text, LF only), to check the target against. */
function naiveSseEvents(text: string): Array<{ event: string; data: string }> {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message';
      const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
      return { event, data };
    });
}

const bytes = (s: string) => new TextEncoder().encode(s);

function streamOf(chunks: Uint8Array[], onCancel?: (reason: unknown) => void): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]);
      else controller.close();
    },
    cancel: onCancel,
  });
}

/** Cut bytes at the given offsets. */
function cut(data: Uint8Array, points: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, data.length]) {
    out.push(data.slice(from, p));
    from = p;
  }
  return out;
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Fails (instead of hanging until the test timeout) if a promise never settles. Not a timing assertion. */
async function settles<T>(promise: Promise<T>, what: string, ms = 3000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} never finished`)), ms);
  });
  try {
    return await Promise.race([promise, hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** Read an iterator to its end; resolves with how many items were left, or rejects with its error. */
async function drain<T>(iterator: AsyncIterator<T>): Promise<number> {
  let n = 0;
  while (!(await iterator.next()).done) n++;
  return n;
}

async function replaysEnd(): Promise<void> {
  try {
    await vi.waitFor(() => expect(activeReplays(), 'a replay is still running: the upstream request was not ended').toBe(0), { timeout: 3000, interval: 10 });
  } catch (error) {
    stopActiveReplays(); // this test fails; the next ones start clean instead of waiting on its leftover
    throw error;
  }
}

const handlerFor = (provider: 'anthropic' | 'openai', seen: unknown[] = [], signals: AbortSignal[] = []) =>
  impl.chatStreamHandler((body, signal) => {
    signals.push(signal);
    return testReply(provider, body.message, signal, seen);
  });

const post = (body: unknown) => new Request(ENDPOINT, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

// ── sse-decode ───────────────────────────────────────────────────────────────

/** A stream that exercises every rule: BOM, CRLF, lone CR, comments, multi-line data, ids, retry, a field without a colon, multi-byte text, no final blank line. */
const ADVERSARIAL =
  '\uFEFF: welcome\r\n' +
  'event: greeting\r\nid: 1\r\ndata: héllo 👋\r\n\r\n' +
  'data: line one\ndata: line two\ndata:no-space\ndata:  two spaces\n\n' +
  ': keep-alive\n\n' +
  'event: message_start\rdata: {"type": "message_start"    }\r\r' +
  'retry: 1500\nunknown: field\ndata\n\n' +
  'event: dropped-without-data\n\n' +
  'data: last, without a blank line';

const ADVERSARIAL_EVENTS: SseEvent[] = [
  { event: 'greeting', data: 'héllo 👋', id: '1' },
  { event: 'message', data: 'line one\nline two\nno-space\n two spaces', id: '1' },
  { event: 'message_start', data: '{"type": "message_start"    }', id: '1' },
  { event: 'message', data: '', id: '1', retry: 1500 },
  { event: 'message', data: 'last, without a blank line', id: '1' },
];

function decodeChunks(chunks: Array<Uint8Array | string>): SseEvent[] {
  const decoder = new impl.SseDecoder();
  const events: SseEvent[] = [];
  for (const chunk of chunks) events.push(...decoder.push(chunk));
  events.push(...decoder.flush());
  return events;
}

exercise('sse-decode', () => {
  it('decodes a stream read in one piece: fields, comments, multi-line data, ids, retry [sse-endpoint]', () => {
    expect(decodeChunks([bytes(ADVERSARIAL)])).toEqual(ADVERSARIAL_EVENTS);
  });

  it('gives the same events wherever the reads split, including inside \\r\\n and inside a multi-byte character [sse-endpoint]', () => {
    const data = bytes(ADVERSARIAL);
    for (let p = 1; p < data.length; p++) {
      expect(decodeChunks(cut(data, [p])), `split at byte ${p}`).toEqual(ADVERSARIAL_EVENTS);
    }
  });

  it('survives every pair of split points and one byte per read [sse-endpoint]', () => {
    const data = bytes(ADVERSARIAL);
    expect(decodeChunks(cut(data, Array.from({ length: data.length - 1 }, (_, i) => i + 1)))).toEqual(ADVERSARIAL_EVENTS);
    for (let p = 1; p < data.length; p += 3) {
      for (let q = p + 1; q < data.length; q += 2) {
        expect(decodeChunks(cut(data, [p, q])), `split at bytes ${p} and ${q}`).toEqual(ADVERSARIAL_EVENTS);
      }
    }
  });

  it('only reports whole events: push returns nothing until the blank line arrives [sse-endpoint]', () => {
    const decoder = new impl.SseDecoder();
    expect(decoder.push(bytes('data: {"text": "Hel'))).toEqual([]);
    expect(decoder.push(bytes('lo"}\n'))).toEqual([]);
    expect(decoder.push(bytes('\ndata: x\n\ndata: y\n\n'))).toEqual([
      { event: 'message', data: '{"text": "Hello"}' },
      { event: 'message', data: 'x' },
      { event: 'message', data: 'y' },
    ]);
    expect(decoder.flush()).toEqual([]);
  });

  it('reads a real Anthropic stream (event:/data: pairs, padded JSON, ping) the same at every split point [sse-endpoint, sse-event-types]', async () => {
    const raw = await rawSimulatorBody('anthropic', { model: CLAUDE, max_tokens: 1024, stream: true, messages: [{ role: 'user', content: HELLO }] });
    const expected = naiveSseEvents(new TextDecoder().decode(raw)).map((e) => ({ event: e.event, data: e.data }));
    expect(expected.map((e) => e.event)).toContain('ping');
    expect(decodeChunks([raw])).toEqual(expected);
    for (let p = 1; p < raw.length; p += 7) expect(decodeChunks(cut(raw, [p])), `split at byte ${p}`).toEqual(expected);
  });

  it('decodeSse reads a fetch body (ReadableStream) and a Node-style async iterable alike [sse-endpoint]', async () => {
    const data = bytes(ADVERSARIAL);
    const fromWeb = await collect(impl.decodeSse(streamOf(cut(data, [5, 40, 41, 90]))));
    async function* reads() {
      yield data.slice(0, 17);
      yield data.slice(17);
    }
    const fromIterable = await collect(impl.decodeSse(reads()));
    expect(fromWeb).toEqual(ADVERSARIAL_EVENTS);
    expect(fromIterable).toEqual(ADVERSARIAL_EVENTS);
  });

  it('decodeSse cancels the body when its consumer stops early, so the client hangs up [sse-endpoint]', async () => {
    const cancelled = vi.fn();
    const body = streamOf([bytes('data: 1\n\n'), bytes('data: 2\n\n'), bytes('data: 3\n\n')], cancelled);
    for await (const event of impl.decodeSse(body)) {
      expect(event).toEqual({ event: 'message', data: '1' });
      break;
    }
    expect(cancelled).toHaveBeenCalledTimes(1);
  });
});

// ── stream-text-anthropic ─────────────────────────────────────────────────────

exercise('stream-text-anthropic', () => {
  it('streams the text in several deltas that join to the final message text [stream-both-sdks]', async () => {
    const reply = impl.streamAnthropic(anthropic, anthropicParams(RAG));
    const deltas = await collect(reply);
    const final = await reply.final();
    expect(deltas.length).toBeGreaterThan(10);
    expect(deltas.every((d) => typeof d === 'string' && d.length > 0)).toBe(true);
    expect(deltas.join('')).toBe(final.text);
    expect(final.text.length).toBeGreaterThan(1000);
    expect(final.stopReason).toBe('end_turn');
  });

  it('finalMessage() is the SDK-assembled Message, with usage; final() reports the same usage [final-message]', async () => {
    const reply = impl.streamAnthropic(anthropic, anthropicParams(HELLO));
    const text = (await collect(reply)).join('');
    const message = await reply.finalMessage();
    expect(message.type).toBe('message');
    expect(message.role).toBe('assistant');
    expect(message.content.map((b) => (b.type === 'text' ? b.text : '')).join('')).toBe(text);
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    expect((await reply.final()).usage).toEqual({ input: message.usage.input_tokens, output: message.usage.output_tokens });
    expect(mock.sim.requests).toHaveLength(1);
  });

  it('loses no text when iteration starts after the response has already arrived [stream-both-sdks]', async () => {
    const reply = impl.streamAnthropic(anthropic, anthropicParams(RAG));
    const final = await settles(reply.final(), 'final()');
    expect(activeReplays()).toBe(0);
    const text = (await settles(collect(reply), 'iterating after the response arrived')).join('');
    expect(text).toBe(final.text);
  });

  it('surfaces the SDK error (RateLimitError) from both the iteration and final(), with no hidden retry [stream-both-sdks]', async () => {
    mock.sim.injectFault('rate_limit', { provider: 'anthropic' });
    const reply = impl.streamAnthropic(anthropic, anthropicParams(RAG));
    await expect(collect(reply)).rejects.toBeInstanceOf(Anthropic.RateLimitError);
    await expect(reply.final()).rejects.toBeInstanceOf(Anthropic.RateLimitError);
    expect(mock.sim.requests).toHaveLength(1);
  });

  it('a dropped connection makes the loop throw, not end as if the reply were complete [stream-both-sdks, mid-stream-errors]', async () => {
    mock.sim.injectFault('drop', { provider: 'anthropic' });
    const reply = impl.streamAnthropic(anthropic, anthropicParams(RAG));
    const error = await rejection(settles(collect(reply), 'the dropped stream'));
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/socket hang up/);
    expect(await rejection(reply.final())).toBe(error);
  });

  it('the loop throws even when the stream failed before you started reading [stream-both-sdks, mid-stream-errors]', async () => {
    mock.sim.injectFault('drop', { provider: 'anthropic' });
    const reply = impl.streamAnthropic(anthropic, anthropicParams(RAG));
    const error = await rejection(settles(reply.final(), 'final()'));
    expect((error as Error).message).toMatch(/socket hang up/);
    expect(await rejection(settles(collect(reply), 'reading the failed stream'))).toBe(error);
  });

  it('aborting the signal mid-stream ends the upstream request [stream-both-sdks]', async () => {
    mock.sim.injectFault('stall', { provider: 'anthropic' });
    const abort = new AbortController();
    const reply = impl.streamAnthropic(anthropic, anthropicParams(RAG), { signal: abort.signal });
    const iterator = reply[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.done).toBe(false);
    expect(activeReplays()).toBe(1);
    abort.abort();
    await expect(settles(drain(iterator), 'the stalled stream')).rejects.toBeInstanceOf(Anthropic.APIUserAbortError);
    await expect(reply.final()).rejects.toBeInstanceOf(Anthropic.APIUserAbortError);
    await replaysEnd();
    expect(mock.sim.requests).toHaveLength(1);
  });

  it('breaking out of the loop early ends the upstream request [stream-both-sdks]', async () => {
    mock.sim.injectFault('stall', { provider: 'anthropic' });
    const reply = impl.streamAnthropic(anthropic, anthropicParams(RAG));
    let seen = 0;
    for await (const text of reply) {
      expect(text.length).toBeGreaterThan(0);
      if (++seen === 2) break;
    }
    expect(seen).toBe(2);
    await replaysEnd();
  });
});

// ── stream-text-openai ────────────────────────────────────────────────────────

exercise('stream-text-openai', () => {
  it('streams the text in several non-empty deltas that join to the final completion text [stream-both-sdks]', async () => {
    const reply = impl.streamOpenAI(openai, openaiParams(RAG));
    const deltas = await collect(reply);
    const final = await reply.final();
    expect(deltas.length).toBeGreaterThan(10);
    expect(deltas.every((d) => typeof d === 'string' && d.length > 0)).toBe(true);
    expect(deltas.join('')).toBe(final.text);
    expect(final.stopReason).toBe('stop');
  });

  it('asks for usage (stream_options.include_usage) and reports it from finalChatCompletion() [final-message]', async () => {
    const reply = impl.streamOpenAI(openai, openaiParams(HELLO));
    const text = (await collect(reply)).join('');
    const completion = await reply.finalChatCompletion();
    const body = mock.sim.requests[0].body as { stream?: boolean; stream_options?: { include_usage?: boolean } };
    expect(body.stream).toBe(true);
    expect(body.stream_options?.include_usage).toBe(true);
    expect(completion.choices[0].message.content).toBe(text);
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
    expect((await reply.final()).usage).toEqual({ input: completion.usage?.prompt_tokens, output: completion.usage?.completion_tokens });
    expect(mock.sim.requests).toHaveLength(1);
  });

  it('loses no text when iteration starts after the response has already arrived [stream-both-sdks]', async () => {
    const reply = impl.streamOpenAI(openai, openaiParams(RAG));
    const final = await settles(reply.final(), 'final()');
    const text = (await settles(collect(reply), 'iterating after the response arrived')).join('');
    expect(text).toBe(final.text);
  });

  it('surfaces a mid-stream error as the SDK APIError after some text [stream-both-sdks, mid-stream-errors]', async () => {
    mock.sim.injectFault('mid_stream_error', { provider: 'openai' });
    const reply = impl.streamOpenAI(openai, openaiParams(RAG));
    const got: string[] = [];
    const error = await (async () => {
      try {
        for await (const t of reply) got.push(t);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBeUndefined();
    expect(got.length).toBeGreaterThan(0);
    await expect(reply.final()).rejects.toBeInstanceOf(OpenAI.APIError);
    expect(mock.sim.requests).toHaveLength(1);
  });

  it('the loop throws even when the stream failed before you started reading [stream-both-sdks, mid-stream-errors]', async () => {
    mock.sim.injectFault('mid_stream_error', { provider: 'openai' });
    const reply = impl.streamOpenAI(openai, openaiParams(RAG));
    const error = await rejection(settles(reply.final(), 'final()'));
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(await rejection(settles(collect(reply), 'reading the failed stream'))).toBe(error);
  });

  it('aborting the signal mid-stream ends the upstream request [stream-both-sdks]', async () => {
    mock.sim.injectFault('stall', { provider: 'openai' });
    const abort = new AbortController();
    const reply = impl.streamOpenAI(openai, openaiParams(RAG), { signal: abort.signal });
    const iterator = reply[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(false);
    expect(activeReplays()).toBe(1);
    abort.abort();
    await expect(settles(drain(iterator), 'the stalled stream')).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);
    await expect(reply.final()).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);
    await replaysEnd();
  });
});

// ── stream-events ─────────────────────────────────────────────────────────────

exercise('stream-events', () => {
  it('summarises the SDK event stream: what message_start, content_block_*, message_delta and message_stop carry [sse-event-types]', async () => {
    const { stream, final } = sdkAnthropicStream(anthropicParams(RAG));
    const summary = await impl.summariseEvents(stream);
    const message = await final;
    expect(summary.order[0]).toBe('message_start');
    expect(summary.order.at(-1)).toBe('message_stop');
    expect(summary.order.at(-2)).toBe('message_delta');
    expect(summary.counts.message_start).toBe(1);
    expect(summary.counts.content_block_start).toBe(1);
    expect(summary.counts.content_block_stop).toBe(1);
    expect(summary.counts.content_block_delta).toBeGreaterThan(10);
    expect(summary.counts.content_block_delta).toBe(summary.order.filter((t) => t === 'content_block_delta').length);
    expect(summary.messageId).toBe(message.id);
    expect(summary.model).toBe(message.model);
    expect(summary.text).toBe(message.content.map((b) => (b.type === 'text' ? b.text : '')).join(''));
    expect(summary.stopReason).toBe('end_turn');
    expect(summary.usage).toEqual({ input: message.usage.input_tokens, output: message.usage.output_tokens });
    expect(summary.complete).toBe(true);
    expect(summary.blocks).toEqual([{ index: 0, type: 'text', text: summary.text, stopped: true }]);
  });

  it('counts the ping events the SDK hides, from the raw wire [sse-event-types]', async () => {
    const raw = new TextDecoder().decode(await rawSimulatorBody('anthropic', { model: CLAUDE, max_tokens: 1024, stream: true, messages: [{ role: 'user', content: RAG }] }));
    const wire = naiveSseEvents(raw).map((e) => JSON.parse(e.data) as AnthropicWireEvent);
    async function* events() {
      yield* wire;
    }
    const summary = await impl.summariseEvents(events());
    const pings = wire.filter((e) => e.type === 'ping').length;
    expect(pings).toBeGreaterThan(0);
    expect(summary.counts.ping).toBe(pings);
    expect(summary.order).toEqual(wire.map((e) => e.type));
    expect(summary.complete).toBe(true);
  });

  it('names a tool_use block and keeps its raw input JSON [sse-event-types]', async () => {
    const { stream, final } = sdkAnthropicStream(anthropicParams(WEATHER, { tools: [anthropicWeatherTool] }));
    const summary = await impl.summariseEvents(stream);
    const message = await final;
    const tool = summary.blocks.find((b) => b.type === 'tool_use');
    const sdkTool = message.content.find((b) => b.type === 'tool_use');
    expect(sdkTool?.type).toBe('tool_use');
    expect(tool).toMatchObject({ type: 'tool_use', name: 'get_weather', stopped: true });
    expect(tool?.id).toBe(sdkTool?.type === 'tool_use' ? sdkTool.id : undefined);
    expect(JSON.parse(tool?.json ?? '')).toEqual(sdkTool?.type === 'tool_use' ? sdkTool.input : undefined);
    expect(summary.stopReason).toBe('tool_use');
  });

  it('takes output usage from message_delta as a running total, not an increment [sse-event-types]', async () => {
    const wire = [
      { type: 'message_start', message: { id: 'msg_x', type: 'message', role: 'assistant', model: CLAUDE, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 25, output_tokens: 1 } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'ping' },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ' there' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'message_delta', delta: { stop_reason: 'max_tokens', stop_sequence: null }, usage: { output_tokens: 2 } },
      { type: 'message_stop' },
    ] as unknown as AnthropicWireEvent[];
    async function* events() {
      yield* wire;
    }
    const summary = await impl.summariseEvents(events());
    expect(summary.usage).toEqual({ input: 25, output: 2 });
    expect(summary.stopReason).toBe('max_tokens');
    expect(summary.text).toBe('Hi there');
    expect(summary.counts).toEqual({ message_start: 1, content_block_start: 1, ping: 1, content_block_delta: 2, content_block_stop: 1, message_delta: 1, message_stop: 1 });
  });

  it('throws StreamEventError for an error event that arrives after the 200 [sse-event-types, mid-stream-errors]', async () => {
    const raw = new TextDecoder().decode(
      await rawSimulatorBody('anthropic', { model: CLAUDE, max_tokens: 1024, stream: true, messages: [{ role: 'user', content: RAG }] }, { 'x-sim-fault': 'mid_stream_error' }),
    );
    const wire = naiveSseEvents(raw).map((e) => JSON.parse(e.data) as AnthropicWireEvent);
    expect(wire.at(-1)?.type).toBe('error');
    async function* events() {
      yield* wire;
    }
    const error = await rejection(impl.summariseEvents(events()));
    expect(error).toBeInstanceOf(impl.StreamEventError);
    expect(error).toMatchObject({ type: 'overloaded_error' });
  });
});

// ── stream-tool-calls ─────────────────────────────────────────────────────────

async function* fromArray<T>(items: unknown[]): AsyncGenerator<T> {
  for (const item of items) yield item as T;
}

exercise('stream-tool-calls', () => {
  it('Anthropic: accumulates input_json_delta into the same tool call the SDK assembles [final-message, sse-event-types]', async () => {
    const { stream, final } = sdkAnthropicStream(anthropicParams(WEATHER, { tools: [anthropicWeatherTool] }));
    let text = '';
    const calls = await impl.collectAnthropicToolCalls(stream, (t) => (text += t));
    const message = await final;
    const sdkCalls = message.content.flatMap((b) => (b.type === 'tool_use' ? [{ id: b.id, name: b.name, input: b.input }] : []));
    expect(calls).toEqual(sdkCalls);
    expect(calls).toHaveLength(1);
    expect(calls[0].name).toBe('get_weather');
    expect(calls[0].input.city).toBe('Mumbai');
    expect(text).toBe(message.content.map((b) => (b.type === 'text' ? b.text : '')).join(''));
  });

  it('Anthropic: parses only when the block stops (fragments are not JSON on their own); no input is {} [sse-event-types]', async () => {
    const events = [
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Checking.' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_1', name: 'get_forecast', input: {} } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"ci' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: 'ty": "Pu' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: 'ne", "days"' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: ': 3}' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'toolu_2', name: 'get_time', input: {} } },
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '' } },
      { type: 'content_block_stop', index: 2 },
      { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 30 } },
      { type: 'message_stop' },
    ];
    const texts: string[] = [];
    const calls = await impl.collectAnthropicToolCalls(fromArray<Anthropic.MessageStreamEvent>(events), (t) => texts.push(t));
    expect(calls).toEqual([
      { id: 'toolu_1', name: 'get_forecast', input: { city: 'Pune', days: 3 } },
      { id: 'toolu_2', name: 'get_time', input: {} },
    ]);
    expect(texts).toEqual(['Checking.']);
  });

  it('Anthropic: input that is still not a JSON object at block stop is a ToolInputError [sse-event-types]', async () => {
    const events = [
      { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} } },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"city": ' } },
      { type: 'content_block_stop', index: 0 },
    ];
    const error = await rejection(impl.collectAnthropicToolCalls(fromArray<Anthropic.MessageStreamEvent>(events)));
    expect(error).toBeInstanceOf(impl.ToolInputError);
    expect(error).toMatchObject({ toolName: 'get_weather', rawInput: '{"city": ' });
  });

  it('OpenAI: accumulates tool_calls fragments into the same call the SDK assembles [final-message]', async () => {
    const { stream, final } = sdkOpenAIStream(openaiParams(WEATHER, { tools: [openaiWeatherTool] }));
    const calls = await impl.collectOpenAIToolCalls(stream);
    const completion = await final;
    const sdkCalls = (completion.choices[0].message.tool_calls ?? []).flatMap((c) =>
      c.type === 'function' ? [{ id: c.id, name: c.function.name, input: JSON.parse(c.function.arguments) as unknown }] : [],
    );
    expect(calls).toEqual(sdkCalls);
    expect(calls).toHaveLength(1);
    expect(calls[0].input.city).toBe('Mumbai');
    expect(completion.choices[0].finish_reason).toBe('tool_calls');
  });

  it('OpenAI: keeps parallel calls apart by index, in index order, and ignores the usage chunk with no choices [sse-event-types]', async () => {
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({ id: 'c', object: 'chat.completion.chunk', created: 0, model: GPT, choices: [{ index: 0, delta, finish_reason: finish }] });
    const chunks = [
      chunk({ role: 'assistant', content: null }),
      chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 1, function: { arguments: '{"zone":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city": "Os' } }] }),
      chunk({ tool_calls: [{ index: 1, function: { arguments: ' "CET"}' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: 'lo"}' } }] }),
      chunk({}, 'tool_calls'),
      { id: 'c', object: 'chat.completion.chunk', created: 0, model: GPT, choices: [], usage: { prompt_tokens: 9, completion_tokens: 12, total_tokens: 21 } },
    ];
    const calls = await impl.collectOpenAIToolCalls(fromArray<OpenAI.ChatCompletionChunk>(chunks));
    expect(calls).toEqual([
      { id: 'call_a', name: 'get_weather', input: { city: 'Oslo' } },
      { id: 'call_b', name: 'get_time', input: { zone: 'CET' } },
    ]);
  });
});

// ── sse-endpoint ──────────────────────────────────────────────────────────────

exercise('sse-endpoint', () => {
  it('encodes one event as data line(s) and a blank line [sse-endpoint]', () => {
    expect(impl.encodeSse({ text: 'Hi' })).toBe('data: {"text":"Hi"}\n\n');
    expect(impl.encodeSse({ done: true, usage: { input: 3, output: 4 } })).toBe('data: {"done":true,"usage":{"input":3,"output":4}}\n\n');
    expect(impl.encodeSse({ text: 'two\nlines' })).toBe('data: {"text":"two\\nlines"}\n\n');
    expect(impl.encodeSse('first\nsecond')).toBe('data: first\ndata: second\n\n');
    expect(impl.encodeSse({ type: 'ping' }, { event: 'ping', id: '7' })).toBe('event: ping\nid: 7\ndata: {"type":"ping"}\n\n');
  });

  it('answers with Content-Type: text/event-stream, Cache-Control: no-cache and X-Accel-Buffering: no [sse-endpoint, accel-buffering]', async () => {
    const response = impl.sseResponse(fromArray([{ text: 'a' }]));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    expect(await response.text()).toBe('data: {"text":"a"}\n\n');
  });

  it('sends each event as soon as it is produced, not when the stream ends [sse-endpoint, why-streaming-feels-faster]', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    async function* slow() {
      yield { text: 'first' };
      await gate;
      yield { text: 'second' };
    }
    const reader = impl.sseResponse(slow()).body!.getReader();
    const first = await settles(reader.read(), 'the first event (was it held back until the end?)');
    expect(new TextDecoder().decode(first.value)).toBe('data: {"text":"first"}\n\n');
    release();
    const rest: string[] = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest.push(new TextDecoder().decode(r.value));
    expect(rest.join('')).toBe('data: {"text":"second"}\n\n');
  });

  it('when the client cancels the body it calls onCancel and closes the event source [sse-endpoint]', async () => {
    let closed = false;
    async function* endless() {
      try {
        // Long but finite, and yielding to the event loop between events, so a wrong implementation fails instead of hanging.
        for (let i = 0; i < 2000; i++) {
          yield { text: String(i) };
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      } finally {
        closed = true;
      }
    }
    const onCancel = vi.fn();
    const reader = impl.sseResponse(endless(), { onCancel }).body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: {"text":"0"}\n\n');
    await reader.cancel('bye');
    expect(onCancel).toHaveBeenCalledTimes(1);
    await vi.waitFor(() => expect(closed).toBe(true), { timeout: 3000, interval: 5 });
  });

  it("chatEvents: the course's format, a text event per delta then done with the final usage [sse-endpoint, final-message]", async () => {
    const events = await collect(impl.chatEvents(fakeReply(['Hel', 'lo', ' world'], { input: 12, output: 3 })));
    expect(events).toEqual([{ text: 'Hel' }, { text: 'lo' }, { text: ' world' }, { done: true, usage: { input: 12, output: 3 } }]);
  });

  it('end to end over a real SDK stream: the body parses to text events and one last done event [sse-endpoint, stream-both-sdks]', async () => {
    const abort = new AbortController();
    const reply = testReply('anthropic', RAG, abort.signal);
    const events = parseChatSse(await impl.sseResponse(impl.chatEvents(reply)).text());
    const final = await reply.final();
    const done = events.at(-1);
    expect(done).toEqual({ done: true, usage: final.usage });
    const texts = events.slice(0, -1);
    expect(texts.every((e) => 'text' in e)).toBe(true);
    expect(texts.map((e) => ('text' in e ? e.text : '')).join('')).toBe(final.text);
  });
});

// ── error-safe-stream ─────────────────────────────────────────────────────────

interface FaultCase {
  provider: 'anthropic' | 'openai';
  fault: 'rate_limit' | 'overloaded' | 'server_error' | 'mid_stream_error' | 'drop';
  sdkError: abstract new (...args: never[]) => Error;
  expected: { error: 'rate_limit' | 'api_error' | 'unknown'; status?: number };
  textFirst: boolean;
}

const faultCases: FaultCase[] = [
  { provider: 'anthropic', fault: 'rate_limit', sdkError: Anthropic.RateLimitError, expected: { error: 'rate_limit', status: 429 }, textFirst: false },
  { provider: 'anthropic', fault: 'overloaded', sdkError: Anthropic.InternalServerError, expected: { error: 'api_error', status: 529 }, textFirst: false },
  { provider: 'anthropic', fault: 'server_error', sdkError: Anthropic.InternalServerError, expected: { error: 'api_error', status: 500 }, textFirst: false },
  { provider: 'anthropic', fault: 'mid_stream_error', sdkError: Anthropic.APIError, expected: { error: 'api_error' }, textFirst: true },
  { provider: 'anthropic', fault: 'drop', sdkError: Error, expected: { error: 'unknown' }, textFirst: true },
  { provider: 'openai', fault: 'rate_limit', sdkError: OpenAI.RateLimitError, expected: { error: 'rate_limit', status: 429 }, textFirst: false },
  { provider: 'openai', fault: 'overloaded', sdkError: OpenAI.InternalServerError, expected: { error: 'api_error', status: 503 }, textFirst: false },
  { provider: 'openai', fault: 'server_error', sdkError: OpenAI.InternalServerError, expected: { error: 'api_error', status: 500 }, textFirst: false },
  { provider: 'openai', fault: 'mid_stream_error', sdkError: OpenAI.APIError, expected: { error: 'api_error' }, textFirst: true },
  { provider: 'openai', fault: 'drop', sdkError: Error, expected: { error: 'unknown' }, textFirst: true },
];

exercise('error-safe-stream', () => {
  for (const c of faultCases) {
    it(`${c.provider} ${c.fault}: the SDK's ${c.sdkError.name} becomes ${JSON.stringify(c.expected)}, then done, with no retry [mid-stream-errors]`, async () => {
      mock.sim.injectFault(c.fault, { provider: c.provider });
      const seen: unknown[] = [];
      const response = await handlerFor(c.provider, seen)(post({ message: RAG }));
      expect(response.status).toBe(200);
      expect(response.headers.get('x-accel-buffering')).toBe('no');
      const events = parseChatSse(await settles(response.text(), 'the error-safe stream'));

      expect(seen.length, 'the SDK reported the failure').toBeGreaterThan(0);
      expect(seen[0]).toBeInstanceOf(c.sdkError);
      if (c.expected.error === 'unknown') {
        expect(seen[0]).not.toBeInstanceOf(Anthropic.APIError);
        expect(seen[0]).not.toBeInstanceOf(OpenAI.APIError);
      }
      expect(events.at(-1)).toEqual({ done: true });
      const error = events.at(-2);
      expect(error).toMatchObject(c.expected);
      expect(error && 'error' in error ? Object.keys(error).sort() : []).toEqual(c.expected.status ? ['error', 'message', 'status'] : ['error', 'message']);
      expect(error && 'message' in error ? error.message.length : 0).toBeGreaterThan(0);
      const before = events.slice(0, -2);
      expect(before.every((e) => 'text' in e)).toBe(true);
      expect(before.length > 0).toBe(c.textFirst);
      expect(mock.sim.requests).toHaveLength(1);
    });
  }

  it('classifyStreamError: anything that is not an SDK API error is "unknown" with its message [mid-stream-errors]', () => {
    expect(impl.classifyStreamError(new TypeError('boom'))).toEqual({ error: 'unknown', message: 'boom' });
    expect(impl.classifyStreamError('a thrown string')).toEqual({ error: 'unknown', message: 'a thrown string' });
  });

  it('safeChatEvents: a reply that completes gives text events and done with usage, nothing else [mid-stream-errors]', async () => {
    const events = await collect(impl.safeChatEvents(fakeReply(['a', 'b'], { input: 5, output: 2 })));
    expect(events).toEqual([{ text: 'a' }, { text: 'b' }, { done: true, usage: { input: 5, output: 2 } }]);
  });

  it('safeChatEvents: a reply that fails to open still ends with an error event and done [mid-stream-errors]', async () => {
    const failedOpen = Promise.reject(new Error('no session'));
    failedOpen.catch(() => {}); // still rejects for safeChatEvents; only stops an "unhandled rejection" if it never looks
    const events = await collect(impl.safeChatEvents(failedOpen));
    expect(events).toEqual([{ error: 'unknown', message: 'no session' }, { done: true }]);
  });

  it('safeChatEvents: a failure after some text keeps the text, then error, then done [mid-stream-errors]', async () => {
    const broken: ReplyStream = {
      async *[Symbol.asyncIterator]() {
        yield 'partial ';
        throw new RangeError('lost the upstream');
      },
      final: () => Promise.reject(new RangeError('lost the upstream')),
    };
    expect(await collect(impl.safeChatEvents(broken))).toEqual([{ text: 'partial ' }, { error: 'unknown', message: 'lost the upstream' }, { done: true }]);
  });

  it('safeChatEvents: after the client has gone (signal aborted) it sends nothing more, not even done [mid-stream-errors]', async () => {
    const abort = new AbortController();
    const reply: ReplyStream = {
      async *[Symbol.asyncIterator]() {
        yield 'one';
        abort.abort();
        throw new Anthropic.APIUserAbortError();
      },
      final: () => Promise.reject(new Anthropic.APIUserAbortError()),
    };
    expect(await collect(impl.safeChatEvents(reply, { signal: abort.signal }))).toEqual([{ text: 'one' }]);
  });

  for (const provider of ['anthropic', 'openai'] as const) {
    it(`${provider}: a client that disconnects mid-stream ends the upstream request [mid-stream-errors, sse-endpoint]`, async () => {
      mock.sim.injectFault('stall', { provider });
      const seen: unknown[] = [];
      const signals: AbortSignal[] = [];
      const response = await handlerFor(provider, seen, signals)(post({ message: RAG }));
      const reader = response.body!.getReader();
      const first = await settles(reader.read(), 'the first event');
      expect(new TextDecoder().decode(first.value)).toMatch(/^data: \{"text":/);
      expect(activeReplays()).toBe(1);
      await reader.cancel();
      await replaysEnd();
      expect(signals).toHaveLength(1);
      expect(signals[0].aborted).toBe(true);
      expect(mock.sim.requests).toHaveLength(1);
    });
  }

  it('a client that disconnects before the first byte also ends the upstream request [mid-stream-errors]', async () => {
    mock.sim.injectFault('stall', { provider: 'anthropic' });
    const signals: AbortSignal[] = [];
    const response = await handlerFor('anthropic', [], signals)(post({ message: RAG }));
    await response.body!.cancel();
    await vi.waitFor(() => expect(signals[0]?.aborted).toBe(true), { timeout: 3000, interval: 10 });
    await replaysEnd();
  });
});

// ── browser-consumer ──────────────────────────────────────────────────────────

const CHAT_WIRE = 'data: {"text":"Hé"}\n\ndata: {"text":"llo 👋"}\n\n: comment\n\ndata: {"text":" world"}\n\ndata: {"done":true,"usage":{"input":9,"output":4}}\n\n';

exercise('browser-consumer', () => {
  it('reads text and the done event, wherever the reads split (LF and CRLF, multi-byte characters) [sse-endpoint]', async () => {
    for (const wire of [CHAT_WIRE, CHAT_WIRE.replaceAll('\n', '\r\n')]) {
      const data = bytes(wire);
      for (let p = 1; p < data.length; p++) {
        const result = await impl.readChatStream(new Response(streamOf(cut(data, [p]))));
        expect(result, `split at byte ${p}`).toEqual({ text: 'Héllo 👋 world', usage: { input: 9, output: 4 }, done: true });
      }
    }
  });

  it('calls the handlers in order and handles a last line with no newline [sse-endpoint]', async () => {
    const calls: string[] = [];
    const result = await impl.readChatStream(new Response(streamOf([bytes('data: {"text":"a"}\n\ndata:{"text":"b"}\n\ndata: {"done":true}')])), {
      onText: (t) => calls.push(`text:${t}`),
      onError: (e) => calls.push(`error:${e.error}`),
      onDone: (u) => calls.push(`done:${JSON.stringify(u ?? null)}`),
    });
    expect(calls).toEqual(['text:a', 'text:b', 'done:null']);
    expect(result).toEqual({ text: 'ab', done: true });
  });

  it('reports an error event, then done [mid-stream-errors]', async () => {
    const onError = vi.fn();
    const wire = 'data: {"text":"par"}\n\ndata: {"error":"rate_limit","message":"Too many requests.","status":429}\n\ndata: {"done":true}\n\n';
    const result = await impl.readChatStream(new Response(streamOf([bytes(wire)])), { onError });
    expect(onError).toHaveBeenCalledWith({ error: 'rate_limit', message: 'Too many requests.', status: 429 });
    expect(result).toEqual({ text: 'par', error: { error: 'rate_limit', message: 'Too many requests.', status: 429 }, done: true });
  });

  it('stops reading at the done event and hangs up, even if the server keeps the connection open [sse-endpoint]', async () => {
    const cancelled = vi.fn();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes('data: {"text":"x"}\n\ndata: {"done":true}\n\n'));
      },
      cancel: cancelled,
    });
    const result = await settles(impl.readChatStream(new Response(body)), 'reading a stream that never closes');
    expect(result).toEqual({ text: 'x', done: true });
    expect(cancelled).toHaveBeenCalledTimes(1);
  });

  it('a stream cut short (no done event) has done: false [mid-stream-errors]', async () => {
    const result = await impl.readChatStream(new Response(streamOf([bytes('data: {"text":"ha'), bytes('lf"}\n\n')])));
    expect(result).toEqual({ text: 'half', done: false });
  });

  it('throws ChatHttpError for an HTTP error instead of a stream [sse-endpoint]', async () => {
    const error = await rejection(impl.readChatStream(Response.json({ error: 'bad_request', message: '"message" must be a non-empty string.' }, { status: 400 })));
    expect(error).toBeInstanceOf(impl.ChatHttpError);
    expect(error).toMatchObject({ status: 400, body: expect.stringContaining('non-empty string') });
  });

  it('streamChat posts to the endpoint and reads a real reply end to end [sse-endpoint, stream-both-sdks]', async () => {
    const handler = handlerFor('openai');
    const requests: Request[] = [];
    const texts: string[] = [];
    const result = await impl.streamChat(ENDPOINT, { message: HELLO }, { onText: (t) => texts.push(t) }, {
      fetch: (url, init) => {
        const request = new Request(url, init);
        requests.push(request.clone());
        return handler(request);
      },
    });
    expect(requests[0].method).toBe('POST');
    expect(await requests[0].json()).toEqual({ message: HELLO });
    expect(result.done).toBe(true);
    expect(result.text.length).toBeGreaterThan(0);
    expect(texts.join('')).toBe(result.text);
    expect(result.usage?.input).toBeGreaterThan(0);
    expect(result.usage?.output).toBeGreaterThan(0);
  });
});

// ── node-consumer ─────────────────────────────────────────────────────────────

exercise('node-consumer', () => {
  const viaHandler = (handler: (r: Request) => Promise<Response>) => ({ fetch: (url: string, init: RequestInit) => handler(new Request(url, init)) });

  it('yields the events of a real reply, ending with done [sse-endpoint, stream-both-sdks]', async () => {
    const events = await collect(impl.streamChatEvents(ENDPOINT, { message: RAG }, viaHandler(handlerFor('anthropic'))));
    const done = events.at(-1);
    expect(done).toMatchObject({ done: true });
    expect(done && 'usage' in done ? done.usage?.output : 0).toBeGreaterThan(100);
    expect(events.slice(0, -1).every((e) => 'text' in e)).toBe(true);
    expect(events.length).toBeGreaterThan(10);
  });

  it('parses a stream with CRLF line ends and reads split anywhere [sse-endpoint]', async () => {
    const data = bytes(CHAT_WIRE.replaceAll('\n', '\r\n'));
    const fetchSplit = async () => new Response(streamOf(cut(data, [3, 4, 20, 21, 22, 50])), { headers: { 'content-type': 'text/event-stream' } });
    const events = await collect(impl.streamChatEvents(ENDPOINT, { message: 'x' }, { fetch: fetchSplit }));
    expect(events).toEqual([{ text: 'Hé' }, { text: 'llo 👋' }, { text: ' world' }, { done: true, usage: { input: 9, output: 4 } }]);
  });

  it('stopping early hangs up, and the server ends the upstream request [sse-endpoint, mid-stream-errors]', async () => {
    mock.sim.injectFault('stall', { provider: 'openai' });
    const signals: AbortSignal[] = [];
    let received = 0;
    for await (const event of impl.streamChatEvents(ENDPOINT, { message: RAG }, viaHandler(handlerFor('openai', [], signals)))) {
      expect(event).toHaveProperty('text');
      if (++received === 2) break;
    }
    expect(received).toBe(2);
    await replaysEnd();
    expect(signals[0].aborted).toBe(true);
  });

  it('ends after the done event and hangs up, even if the server keeps the connection open [sse-endpoint]', async () => {
    const cancelled = vi.fn();
    const openForever = async () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(bytes('data: {"text":"x"}\n\ndata: {"done":true}\n\n'));
          },
          cancel: cancelled,
        }),
      );
    const events = await settles(collect(impl.streamChatEvents(ENDPOINT, { message: 'x' }, { fetch: openForever })), 'reading a stream that never closes');
    expect(events).toEqual([{ text: 'x' }, { done: true }]);
    expect(cancelled).toHaveBeenCalledTimes(1);
  });

  it('throws ChatHttpError with the status when the endpoint refuses the request [sse-endpoint]', async () => {
    const refuse = async () => Response.json({ error: 'bad_request', message: 'no' }, { status: 400 });
    const error = await rejection(collect(impl.streamChatEvents(ENDPOINT, { message: 'x' }, { fetch: refuse })));
    expect(error).toBeInstanceOf(impl.ChatHttpError);
    expect(error).toMatchObject({ status: 400 });
  });
});

// ── measure-ttft ──────────────────────────────────────────────────────────────

/** A clock the fake stream moves forward, so the numbers are exact and no real time passes. */
function fakeClockStream(steps: Array<[atMs: number, text: string]>, endMs: number) {
  const clock = { t: 0 };
  async function* stream() {
    for (const [at, text] of steps) {
      clock.t = at;
      yield text;
    }
    clock.t = endMs;
  }
  return { now: () => clock.t, stream };
}

exercise('measure-ttft', () => {
  it('times the first non-empty piece and the end of the stream [why-streaming-feels-faster]', async () => {
    const { now, stream } = fakeClockStream([[120, ''], [310, 'Hel'], [900, 'lo'], [2500, '!']], 8000);
    expect(await impl.measureTtft(() => stream(), { now })).toEqual({ ttftMs: 310, totalMs: 8000, chunks: 3, text: 'Hello!' });
  });

  it('accepts a start function that returns a promise of the stream [why-streaming-feels-faster]', async () => {
    const { now, stream } = fakeClockStream([[40, 'a']], 90);
    expect(await impl.measureTtft(async () => stream(), { now })).toEqual({ ttftMs: 40, totalMs: 90, chunks: 1, text: 'a' });
  });

  it('without streaming the first token arrives with the last: ttft equals total [why-streaming-feels-faster]', async () => {
    const clock = { t: 0 };
    const sample = await impl.measureNonStreaming(
      async () => {
        clock.t = 8200;
        return 'the whole answer';
      },
      { now: () => clock.t },
    );
    expect(sample).toEqual({ ttftMs: 8200, totalMs: 8200, chunks: 1, text: 'the whole answer' });
  });

  it('a stream with no text has no first token: NoTextStreamedError [why-streaming-feels-faster]', async () => {
    const { now, stream } = fakeClockStream([[10, ''], [20, '']], 30);
    expect(await rejection(impl.measureTtft(() => stream(), { now }))).toBeInstanceOf(impl.NoTextStreamedError);
  });

  it('on a replayed stream (speed 0.05) the first token comes before the end, with the real clock [why-streaming-feels-faster, lab1-ttft]', async () => {
    mock.sim.speed = 0.05;
    const abort = new AbortController();
    cleanups.push(() => abort.abort());
    let reply: ReplyStream | undefined;
    const sample = await impl.measureTtft(() => (reply = testReply('anthropic', RAG, abort.signal)));
    expect(sample.ttftMs).toBeGreaterThan(0);
    expect(sample.totalMs).toBeGreaterThan(sample.ttftMs);
    expect(sample.text).toBe((await reply!.final()).text);
    expect(sample.chunks).toBeGreaterThan(10);
  });
});
