/**
 * npm run record -- --provider anthropic|openai --out <file> <prompt...>
 * Records one live stream into a cassette (key from the environment).
 */
import { writeFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { parseCommand, runMain, choiceOption, UsageError, paint } from './lib/cli.ts';
import { recordingFetch, redact, recordedHeader, type Recording } from '../fixtures/sim/recorder.ts';
import { serialiseCassette, parseCassette, type Expectation } from '../fixtures/sim/cassette.ts';

runMain(async () => {
  const { values, positionals } = parseCommand({
    name: 'record',
    summary: 'record a live streamed reply into a cassette (ids redacted, cookies dropped)',
    usage: 'npm run record -- --provider anthropic|openai --out <file.jsonl> [options] <prompt...>',
    options: { provider: { type: 'string' }, out: { type: 'string' }, model: { type: 'string' }, 'base-url': { type: 'string' }, 'no-stream': { type: 'boolean' }, 'max-tokens': { type: 'string' }, force: { type: 'boolean' } },
    allowPositionals: true,
    help: [
      ['--provider <p>', 'anthropic or openai (required)'],
      ['--out <file>', 'cassette to write, e.g. fixtures/anthropic/my-prompt.jsonl (required)'],
      ['--model <name>', 'model (default claude-sonnet-4-6 / gpt-4o)'],
      ['--base-url <url>', 'API base URL (default: the provider\'s; a loopback URL such as the simulator needs no key)'],
      ['--no-stream', 'record the non-streaming JSON response instead'],
      ['--max-tokens <n>', 'max output tokens (default 1024)'],
      ['--force', 'overwrite --out if it exists'],
    ],
    examples: [
      'ANTHROPIC_API_KEY=... npm run record -- --provider anthropic --out fixtures/anthropic/haiku.jsonl Write a haiku about streams',
      'npm run record -- --provider openai --base-url http://127.0.0.1:8787/v1 --out /tmp/hello.jsonl Say hello',
    ],
  });
  const provider = choiceOption(values.provider, '--provider', ['anthropic', 'openai'] as const, 'anthropic');
  if (!values.provider) throw new UsageError('--provider is required (anthropic or openai)');
  if (!values.out) throw new UsageError('--out <file.jsonl> is required');
  const prompt = positionals.join(' ').trim();
  if (!prompt) throw new UsageError('give the prompt to send after the options, e.g. ... --out x.jsonl Say hello');
  const out = path.resolve(values.out);
  if (existsSync(out) && !values.force) throw new UsageError(`${values.out} exists; pass --force to overwrite it`);
  const baseURL = values['base-url'];
  const loopback = baseURL !== undefined && /^https?:\/\/(127\.|localhost|\[::1\])/.test(baseURL);
  const keyVar = provider === 'anthropic' ? 'ANTHROPIC_API_KEY' : 'OPENAI_API_KEY';
  const apiKey = process.env[keyVar] || (loopback ? 'sim' : undefined);
  if (!apiKey) throw new UsageError(`${keyVar} is not set. Export your key (export ${keyVar}=...) or record from a local server with --base-url http://127.0.0.1:8787${provider === 'openai' ? '/v1' : ''}`);
  const stream = !values['no-stream'];
  const maxTokens = Number(values['max-tokens'] ?? 1024);
  const recordings: Recording[] = [];
  const fetch = recordingFetch(globalThis.fetch, recordings);
  const expect: Expectation = {};
  process.stderr.write(`recording ${provider} ${stream ? 'stream' : 'response'} for ${JSON.stringify(prompt)}...\n`);
  if (provider === 'anthropic') {
    const client = new Anthropic({ apiKey, baseURL, fetch, maxRetries: 0 });
    const params = { model: values.model ?? 'claude-sonnet-4-6', max_tokens: maxTokens, messages: [{ role: 'user' as const, content: prompt }] };
    const m = stream ? await client.messages.stream(params).on('text', (t) => process.stderr.write(t)).finalMessage() : await client.messages.create(params);
    Object.assign(expect, { text: m.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join(''), usage: { input: m.usage.input_tokens, output: m.usage.output_tokens }, stop_reason: m.stop_reason ?? undefined });
  } else {
    const client = new OpenAI({ apiKey, baseURL, fetch, maxRetries: 0 });
    const params = { model: values.model ?? 'gpt-4o', max_completion_tokens: maxTokens, messages: [{ role: 'user' as const, content: prompt }] };
    const c = stream
      ? await client.chat.completions.stream({ ...params, stream: true, stream_options: { include_usage: true } }).on('content.delta', ({ delta }) => process.stderr.write(delta)).finalChatCompletion()
      : await client.chat.completions.create(params);
    const stop: Record<string, string> = { stop: 'end_turn', tool_calls: 'tool_use', length: 'max_tokens' };
    Object.assign(expect, { text: c.choices[0].message.content ?? '', usage: { input: c.usage?.prompt_tokens ?? 0, output: c.usage?.completion_tokens ?? 0 }, stop_reason: stop[c.choices[0].finish_reason] });
  }
  process.stderr.write('\n');
  const rec = recordings.at(-1);
  if (!rec) throw new Error('nothing was recorded: the SDK made no request');
  const timeline = redact(rec);
  const name = path.basename(out, '.jsonl');
  const header = recordedHeader({ provider, name, prompt, stream, source: baseURL ?? rec.url, timeline, expect });
  const text = serialiseCassette(header, timeline);
  parseCassette(text, out); // never write a cassette we could not read back
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, text);
  console.log(`${paint('green', 'wrote', process.stdout)} ${values.out}: ${timeline.chunks.length} reads, headers at ${timeline.headersMs} ms, ended at ${timeline.end.t} ms (${timeline.end.kind})`);
});
