/** npm run fixtures:view -- <file> — print a cassette's timeline: offset, event, text. */
import { readFileSync, existsSync } from 'node:fs';
import { parseCommand, runMain, paint, UsageError } from './lib/cli.ts';
import { parseCassette } from '../fixtures/sim/cassette.ts';

const out = process.stdout;

/** Summarise one SSE event's payload: its type and any text or JSON fragment it carries. */
function describe(event: string | null, data: string): [string, string] {
  if (data === '[DONE]') return ['[DONE]', ''];
  try {
    const d = JSON.parse(data) as Record<string, any>;
    if (d.error) return [event ?? 'error', JSON.stringify(d.error)];
    if (d.type) {
      const delta = d.delta ?? {};
      return [d.type === 'content_block_delta' ? `${d.type}/${delta.type}` : d.type, delta.text ?? delta.partial_json ?? (d.content_block?.type ? `[${d.content_block.type}${d.content_block.name ? ` ${d.content_block.name}` : ''}]` : '')];
    }
    const choice = d.choices?.[0];
    if (!choice) return ['chunk (usage)', d.usage ? `${d.usage.prompt_tokens} in, ${d.usage.completion_tokens} out` : ''];
    const delta = choice.delta ?? {};
    const tool = delta.tool_calls?.[0];
    return [choice.finish_reason ? `chunk (finish: ${choice.finish_reason})` : delta.role ? 'chunk (role)' : tool ? 'chunk (tool_calls)' : 'chunk', delta.content ?? tool?.function?.arguments ?? ''];
  } catch {
    return [event ?? 'data', data.slice(0, 60)];
  }
}

runMain(async () => {
  const { positionals } = parseCommand({
    name: 'fixtures:view',
    summary: 'print a cassette\'s timeline: each read\'s offset, the events it completes, and their text',
    usage: 'npm run fixtures:view -- <cassette.jsonl>',
    options: {},
    allowPositionals: true,
    help: [],
    examples: ['npm run fixtures:view -- fixtures/anthropic/explain-rag.jsonl'],
  });
  if (positionals.length !== 1) throw new UsageError('give exactly one cassette file, e.g. fixtures/anthropic/say-hello.jsonl');
  const file = positionals[0];
  if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
  const { header, timeline } = parseCassette(readFileSync(file, 'utf8'), file);
  console.log(`${paint('bold', `${header.provider}/${header.name}`, out)}: ${header.description}`);
  console.log(`provenance: ${header.provenance.source} (${header.provenance.date}) ${paint('dim', header.provenance.note, out)}`);
  console.log(`match: ${JSON.stringify(header.request.match)}`);
  console.log(`${timeline.headersMs.toFixed(1).padStart(8)} ms  HTTP ${timeline.status} headers`);
  const decoder = new TextDecoder();
  let buffer = '';
  for (const chunk of timeline.chunks) {
    buffer += decoder.decode(chunk.bytes, { stream: true });
    const events = buffer.split('\n\n');
    buffer = events.pop() ?? '';
    const partial = buffer ? paint('yellow', ` +${buffer.length} bytes of a split event`, out) : '';
    if (events.length === 0) console.log(`${chunk.t.toFixed(1).padStart(8)} ms  ${paint('dim', `(read of ${chunk.bytes.length} bytes ends mid-event)`, out)}`);
    for (const raw of events) {
      const lines = raw.split('\n');
      const event = lines.find((l) => l.startsWith('event:'))?.slice(6).trim() ?? null;
      const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
      const [name, text] = timeline.headers.some(([k, v]) => k === 'content-type' && v.includes('json')) ? ['json body', data || raw.slice(0, 60)] : describe(event, data);
      console.log(`${chunk.t.toFixed(1).padStart(8)} ms  ${paint('cyan', name.padEnd(34), out)} ${JSON.stringify(text)}${partial}`);
    }
  }
  if (buffer.trim()) console.log(`${' '.repeat(8)}    ${paint('dim', `(final bytes without a blank line: ${JSON.stringify(buffer.slice(0, 60))})`, out)}`);
  console.log(`${timeline.end.t.toFixed(1).padStart(8)} ms  end: ${timeline.end.kind}${timeline.end.kind === 'error' ? ` (${timeline.end.message})` : ''}`);
});
