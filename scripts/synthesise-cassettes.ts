/**
 * Writes the synthesised cassettes under fixtures/anthropic and fixtures/openai.
 *
 * These are not recordings: no live API was called. They are built with the
 * simulator's wire encoders to the documented formats (event order, Anthropic's
 * space padding, OpenAI's role-only first delta and [DONE]) and say so in their
 * provenance. Network reads are cut the way real ones are: some mid-line, one
 * inside a multi-byte character. Re-running this script gives the same bytes.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseCommand, runMain } from './lib/cli.ts';
import type { Provider, Timeline, Chunk } from '../fixtures/sim/types.ts';
import type { Reply, ReplyBlock } from '../fixtures/sim/reply.ts';
import { serialiseCassette, defaultCassetteDir, type CassetteHeader, type CassetteMatch, type Expectation } from '../fixtures/sim/cassette.ts';
import { anthropicStreamEvents, anthropicMessageJson, anthropicStreamHeaders, anthropicJsonHeaders } from '../fixtures/sim/wire/anthropic.ts';
import { openaiStreamEvents, openaiCompletionJson, openaiStreamHeaders, openaiJsonHeaders } from '../fixtures/sim/wire/openai.ts';
import { schedule, type TimingProfile } from '../fixtures/sim/timing.ts';
import { errorTimeline, streamFault } from '../fixtures/sim/faults.ts';
import { tokenCount, encodingForModel } from '../fixtures/sim/tokens.ts';
import { seededRandom, hashString, fakeId } from '../fixtures/sim/random.ts';
import { ragExplanation } from '../fixtures/sim/synthetic/rag-text.ts';

const models: Record<Provider, string> = { anthropic: 'claude-sonnet-4-6', openai: 'gpt-4o-2024-08-06' };
const DATE = '2026-11-25';

/** The long replies: first token ~300 ms, ~8 s in all. */
const longProfile: Record<Provider, TimingProfile> = {
  anthropic: { headersMs: 186.4, ttftMs: 312.7, tokensPerSecond: 71, jitter: 0.45 },
  openai: { headersMs: 171.2, ttftMs: 296.3, tokensPerSecond: 70, jitter: 0.45 },
};
const shortProfile: Record<Provider, TimingProfile> = {
  anthropic: { headersMs: 201.5, ttftMs: 344.9, tokensPerSecond: 60, jitter: 0.3 },
  openai: { headersMs: 165.8, ttftMs: 288.1, tokensPerSecond: 75, jitter: 0.3 },
};

interface Spec {
  name: string;
  description: string;
  lastUser: string;
  blocks: ReplyBlock[];
  stream: boolean;
  tools?: boolean;
  profile: Record<Provider, TimingProfile>;
  /** Cut reads mid-line (and once inside a multi-byte character). */
  splitReads?: boolean;
  fault?: 'mid_stream_error' | 'rate_limit';
}

const weather: ReplyBlock[] = [
  { type: 'text', text: "I'll check the current weather in Mumbai for you." },
  { type: 'tool_use', id: 'toolu_01SimWeatherMumbai0001', name: 'get_weather', input: { city: 'Mumbai', unit: 'celsius' } },
];

const specs: Spec[] = [
  { name: 'say-hello', description: 'A short text reply to "Say hello".', lastUser: 'Say hello', blocks: [{ type: 'text', text: 'Hello! How can I help you today?' }], stream: true, profile: shortProfile },
  { name: 'explain-rag', description: 'A long streamed reply (~550 tokens, first token ~300 ms, ~8 s in all); reads split SSE events mid-line and one splits a multi-byte character.', lastUser: 'Explain RAG in detail', blocks: [{ type: 'text', text: ragExplanation }], stream: true, profile: longProfile, splitReads: true },
  { name: 'explain-rag-json', description: 'The same long reply without streaming: nothing arrives until the whole message is generated (~8 s).', lastUser: 'Explain RAG in detail', blocks: [{ type: 'text', text: ragExplanation }], stream: false, profile: longProfile },
  { name: 'tool-weather', description: 'A streamed tool call: get_weather for Mumbai, input streamed as JSON fragments.', lastUser: "What's the weather in Mumbai?", blocks: weather, stream: true, tools: true, profile: shortProfile },
  { name: 'mid-stream-error', description: 'HTTP 200, some text, then an error in the stream (Anthropic: event: error overloaded_error; OpenAI: a data payload with "error").', lastUser: 'Tell me a long story about a lighthouse', blocks: [{ type: 'text', text: 'The lighthouse stood on the last rock before the open sea, and for forty years its keeper had climbed the same spiral stairs every evening at dusk to light the lamp. On the night the storm came, the lamp would not light.' }], stream: true, profile: shortProfile, fault: 'mid_stream_error' },
  { name: 'rate-limit-429', description: 'HTTP 429 with the provider\'s error body and rate-limit headers (x-should-retry: false so SDKs do not retry).', lastUser: 'Rate limit me', blocks: [], stream: true, profile: shortProfile, fault: 'rate_limit' },
];

const encoder = new TextEncoder();

/** Re-cut the event reads the way a network does: some reads end mid-line; one ends inside a multi-byte character. */
function splitReads(chunks: Chunk[], seed: number): Chunk[] {
  const rand = seededRandom(seed);
  const out: Chunk[] = [];
  let carry = new Uint8Array(0);
  let splitMultibyte = false;
  for (const chunk of chunks) {
    const bytes = new Uint8Array(carry.length + chunk.bytes.length);
    bytes.set(carry);
    bytes.set(chunk.bytes, carry.length);
    let cut = bytes.length;
    const lead = chunk.bytes.findIndex((b) => b >= 0xe0); // the first byte of a 3-byte character
    if (!splitMultibyte && lead > 0) {
      cut = carry.length + lead + 1;
      splitMultibyte = true;
    } else if (rand() < 0.35 && chunk.bytes.length > 12) {
      cut = carry.length + 4 + Math.floor(rand() * (chunk.bytes.length - 8));
    }
    out.push({ t: chunk.t, bytes: bytes.slice(0, cut) });
    carry = bytes.slice(cut);
  }
  if (carry.length) out.push({ t: out[out.length - 1].t, bytes: carry });
  return out;
}

function build(spec: Spec, provider: Provider): { header: CassetteHeader; timeline: Timeline } {
  const model = models[provider];
  const enc = encodingForModel(model);
  const input = 3 + 3 + tokenCount(spec.lastUser, enc) + (spec.tools ? 62 : 0);
  const output = spec.blocks.reduce((n, b) => n + tokenCount(b.type === 'text' ? b.text : JSON.stringify(b.input), enc), 0);
  const blocks = provider === 'openai' ? spec.blocks.filter((b) => !(spec.tools && b.type === 'text')) : spec.blocks;
  const key = `${provider}:${spec.name}`;
  const reply: Reply = {
    id: provider === 'anthropic' ? fakeId('msg_01', key) : fakeId('chatcmpl-', key, 29),
    model,
    blocks: provider === 'openai' ? blocks.map((b) => (b.type === 'tool_use' ? { ...b, id: 'call_SimWeatherMumbai0001' } : b)) : blocks,
    stopReason: blocks.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn',
    usage: { input, output },
    created: 1767225600,
  };
  const match: CassetteMatch = { path: provider === 'anthropic' ? '/v1/messages' : '/v1/chat/completions', stream: spec.stream, last_user: spec.lastUser, ...(spec.tools ? { tools: true } : {}) };
  const profile = spec.profile[provider];
  let timeline: Timeline;
  const expect: Expectation = {};
  if (spec.fault === 'rate_limit') {
    timeline = errorTimeline(provider, 'rate_limit', { kind: 'rate_limit' });
    Object.assign(expect, { error: 'RateLimitError', status: 429 });
  } else if (spec.stream) {
    const events = provider === 'anthropic' ? anthropicStreamEvents(reply) : openaiStreamEvents(reply, { includeUsage: true });
    const { chunks, endMs } = schedule(events, profile, hashString(key));
    timeline = { status: 200, headers: provider === 'anthropic' ? anthropicStreamHeaders : openaiStreamHeaders, headersMs: profile.headersMs, chunks: spec.splitReads ? splitReads(chunks, hashString(key)) : chunks, end: { kind: 'close', t: Math.round(endMs + 2) } };
    if (spec.fault === 'mid_stream_error') {
      timeline = streamFault(provider, timeline, { kind: 'mid_stream_error' });
      Object.assign(expect, { error: 'APIError' });
    }
  } else {
    const { endMs } = schedule(provider === 'anthropic' ? anthropicStreamEvents(reply) : openaiStreamEvents(reply, { includeUsage: true }), profile, hashString(key));
    const json = provider === 'anthropic' ? anthropicMessageJson(reply) : openaiCompletionJson(reply);
    const t = Math.round(endMs * 10) / 10;
    timeline = { status: 200, headers: provider === 'anthropic' ? anthropicJsonHeaders : openaiJsonHeaders, headersMs: t, chunks: [{ t, bytes: encoder.encode(json) }], end: { kind: 'close', t } };
  }
  if (!expect.error) {
    const text = reply.blocks.filter((b) => b.type === 'text').map((b) => b.text).join('');
    const tool = reply.blocks.find((b) => b.type === 'tool_use');
    Object.assign(expect, { usage: { input, output }, stop_reason: reply.stopReason }, text ? { text } : {}, tool && tool.type === 'tool_use' ? { tool: { name: tool.name, input: tool.input } } : {});
  }
  const header: CassetteHeader = {
    v: 1,
    kind: 'interaction',
    provider,
    name: spec.name,
    description: spec.description,
    provenance: {
      source: 'synthesised',
      note: 'Built by scripts/synthesise-cassettes.ts to the documented wire format (event order and names, padding, headers, error bodies) as shown in the providers\' API docs and their SDKs\' test fixtures. Not captured from a live API; timing modelled on typical first-token and token-rate figures.',
      date: DATE,
    },
    request: { method: 'POST', url: provider === 'anthropic' ? 'https://api.anthropic.com/v1/messages' : 'https://api.openai.com/v1/chat/completions', match },
    response: { status: timeline.status, headers: timeline.headers, headers_ms: timeline.headersMs },
    expect,
  };
  return { header, timeline };
}

async function main() {
  const { values } = parseCommand({
    name: 'fixtures:synthesise',
    summary: 'write the synthesised cassettes (deterministic: the same bytes every run)',
    usage: 'npm run fixtures:synthesise [-- --out <dir>]',
    options: { out: { type: 'string' } },
    help: [['--out <dir>', 'root to write <provider>/<name>.jsonl under (default: fixtures/)']],
  });
  const root = path.resolve(values.out ?? defaultCassetteDir);
  for (const provider of ['anthropic', 'openai'] as const) {
    mkdirSync(path.join(root, provider), { recursive: true });
    for (const spec of specs) {
      const { header, timeline } = build(spec, provider);
      const file = path.join(root, provider, `${spec.name}.jsonl`);
      writeFileSync(file, serialiseCassette(header, timeline));
      console.log(`wrote ${path.relative(process.cwd(), file)} (${timeline.chunks.length} reads, ends at ${timeline.end.t} ms)`);
    }
  }
}

runMain(main);
