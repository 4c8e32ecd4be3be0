/**
 * Lab 1: time to first token. `npm run lab:ttft -- --help`
 *
 * Times the same long reply ("Explain RAG in detail") from each provider, N
 * times streamed and N times not, interleaved, with the streaming module's
 * reference measureTtft / measureNonStreaming. Offline by default (the
 * provider simulator replays the recorded cassettes with their timing);
 * --live uses the real APIs with keys from the environment.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startProviderMock, type ProviderMock } from '../../fixtures/sim/index.ts';
import { measureNonStreaming, measureTtft, streamAnthropic, streamOpenAI, type ReplyStream } from '../../modules/streaming/reference/index.ts';
import { summarise } from './stats.ts';
import { chart, compare, conclusion, markdownReport, paint, seconds, styleFor, table } from './render.ts';
import type { Mode, Provider, Row, Sample, Settings } from './types.ts';

const PROMPT = 'Explain RAG in detail';
const MAX_TOKENS = 1024;

const HELP = `lab:ttft: measure time to first token and total time, streamed and not

Usage: npm run lab:ttft -- [options]

Options:
  --runs <n>          runs per provider and mode (default 5)
  --provider <p>      anthropic, openai or both (default both)
  --speed <x>         simulator speed: 1 = recorded timing (default), 0.5 = twice as fast, 0 = instant
  --live              call the real APIs instead of the simulator; needs ANTHROPIC_API_KEY and/or
                      OPENAI_API_KEY in the environment (models: ANTHROPIC_MODEL / OPENAI_MODEL,
                      default claude-sonnet-4-6 / gpt-4o). Costs a little money; never used by tests.
  --out <dir>         where to write results.json and report.md (default labs/01-ttft/results)
  --help              show this help

Examples:
  npm run lab:ttft
  npm run lab:ttft -- --runs 2 --provider anthropic
  npm run lab:ttft -- --live --runs 3 --provider openai`;

class UsageError extends Error {}

function parseSettings(argv: string[]): { settings: Settings; out: string } {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        runs: { type: 'string' },
        provider: { type: 'string' },
        speed: { type: 'string' },
        live: { type: 'boolean' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const runs = Number(values.runs ?? 5);
  if (!Number.isInteger(runs) || runs < 1 || runs > 100) throw new UsageError(`--runs must be a whole number from 1 to 100; got "${values.runs}"`);
  const provider = values.provider ?? 'both';
  if (!['anthropic', 'openai', 'both'].includes(provider)) throw new UsageError(`--provider must be anthropic, openai or both; got "${provider}"`);
  const speed = Number(values.speed ?? 1);
  if (!Number.isFinite(speed) || speed < 0 || speed > 10) throw new UsageError(`--speed must be a number from 0 to 10; got "${values.speed}"`);
  const providers: Provider[] = provider === 'both' ? ['anthropic', 'openai'] : [provider as Provider];
  const live = values.live ?? false;
  const models: Record<Provider, string> = {
    anthropic: (live && process.env.ANTHROPIC_MODEL) || 'claude-sonnet-4-6',
    openai: (live && process.env.OPENAI_MODEL) || 'gpt-4o',
  };
  return { settings: { runs, providers, speed, live, prompt: PROMPT, models }, out: path.resolve(values.out ?? path.join(import.meta.dirname, 'results')) };
}

interface Clients {
  anthropic?: Anthropic;
  openai?: OpenAI;
  mock?: ProviderMock;
}

function makeClients(settings: Settings): Clients {
  if (settings.live) {
    const missing = settings.providers.filter((p) => !process.env[p === 'anthropic' ? 'ANTHROPIC_API_KEY' : 'OPENAI_API_KEY']);
    if (missing.length) {
      const names = missing.map((p) => (p === 'anthropic' ? 'ANTHROPIC_API_KEY' : 'OPENAI_API_KEY')).join(' and ');
      throw new UsageError(`--live needs ${names} in the environment (or choose another --provider). Without --live the lab runs offline and needs no key.`);
    }
    return {
      anthropic: settings.providers.includes('anthropic') ? new Anthropic() : undefined,
      openai: settings.providers.includes('openai') ? new OpenAI() : undefined,
    };
  }
  // The simulator first: the SDK clients capture fetch when they are constructed.
  const mock = startProviderMock({ speed: settings.speed });
  return { mock, anthropic: new Anthropic({ apiKey: 'sim' }), openai: new OpenAI({ apiKey: 'sim' }) };
}

/** Forward a stream's pieces unchanged, telling `onPiece` about each (to show the text arriving). */
async function* tap(stream: AsyncIterable<string>, onPiece: (piece: string) => void): AsyncGenerator<string> {
  for await (const piece of stream) {
    onPiece(piece);
    yield piece;
  }
}

async function measureOnce(clients: Clients, settings: Settings, provider: Provider, mode: Mode, run: number, onPiece: (piece: string) => void): Promise<Sample> {
  const model = settings.models[provider];
  const base: Sample = { provider, mode, run, source: settings.live ? 'live' : 'simulator' };
  const seen = clients.mock?.sim.requests.length ?? 0;
  let outputTokens: number | undefined;
  if (mode === 'streaming') {
    let reply: ReplyStream | undefined;
    const open = (): ReplyStream =>
      provider === 'anthropic'
        ? streamAnthropic(clients.anthropic!, { model, max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: PROMPT }] })
        : streamOpenAI(clients.openai!, { model, max_completion_tokens: MAX_TOKENS, messages: [{ role: 'user', content: PROMPT }] });
    const sample = await measureTtft(() => tap((reply = open()), onPiece));
    outputTokens = (await reply!.final()).usage.output;
    Object.assign(base, { ttftMs: sample.ttftMs, totalMs: sample.totalMs, chunks: sample.chunks, chars: sample.text.length });
  } else {
    const sample = await measureNonStreaming(async () => {
      if (provider === 'anthropic') {
        const message = await clients.anthropic!.messages.create({ model, max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: PROMPT }] });
        outputTokens = message.usage.output_tokens;
        return message.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
      }
      const completion = await clients.openai!.chat.completions.create({ model, max_completion_tokens: MAX_TOKENS, messages: [{ role: 'user', content: PROMPT }] });
      outputTokens = completion.usage?.completion_tokens;
      return completion.choices[0]?.message.content ?? '';
    });
    Object.assign(base, { ttftMs: sample.ttftMs, totalMs: sample.totalMs, chunks: sample.chunks, chars: sample.text.length });
  }
  const record = clients.mock?.sim.requests[seen];
  if (record) base.source = record.source === 'cassette' ? `cassette ${record.cassette}` : record.source;
  return { ...base, outputTokens };
}

/** A status line on a terminal (rewritten in place, with the text arriving); plain lines otherwise. */
function progress(stream: NodeJS.WriteStream) {
  const style = styleFor(stream);
  const live = Boolean(stream.isTTY);
  let timer: ReturnType<typeof setInterval> | undefined;
  let started = 0;
  let label = '';
  let tail = '';
  const draw = () => {
    const elapsed = ((performance.now() - started) / 1000).toFixed(1).padStart(5);
    const room = Math.max(10, (stream.columns ?? 100) - label.length - 12);
    const shown = tail ? tail.replace(/\s+/g, ' ').slice(-room) : paint(style, 'dim', '(nothing on screen yet)');
    stream.write(`\r\u001b[2K${label} ${elapsed} s  ${shown}`);
  };
  return {
    start(text: string) {
      label = text;
      tail = '';
      started = performance.now();
      if (live) {
        draw();
        timer = setInterval(draw, 100);
      }
    },
    piece(piece: string) {
      tail += piece;
    },
    done(result: string) {
      if (timer) clearInterval(timer);
      timer = undefined;
      stream.write(live ? `\r\u001b[2K${label} ${result}\n` : `${label} ${result}\n`);
    },
  };
}

async function main(): Promise<void> {
  const { settings, out } = parseSettings(process.argv.slice(2));
  const clients = makeClients(settings);
  const err = process.stderr;
  const style = styleFor(process.stdout);
  const where = settings.live ? 'the live APIs' : `the offline provider simulator at speed ${settings.speed}`;
  const perRun = settings.speed * 9;
  err.write(`Lab 1: time to first token. "${PROMPT}", ${settings.runs} run(s) x ${settings.providers.join(' + ')} x streamed / not, against ${where}.\n`);
  if (!settings.live && settings.speed > 0) {
    const all = perRun * settings.runs * settings.providers.length * 2;
    err.write(`Each run takes about ${perRun.toFixed(perRun < 2 ? 1 : 0)} s of (simulated) generation: roughly ${all < 120 ? `${Math.ceil(all)} s` : `${Math.ceil(all / 60)} min`} in all.\n`);
  }
  if (clients.mock) {
    const missing = settings.providers.filter((p) => !clients.mock!.sim.cassettes.some((c) => c.header.provider === p && c.header.request.match.last_user === PROMPT));
    if (missing.length) err.write(`Note: no "${PROMPT}" cassette for ${missing.join(', ')}; the simulator's synthetic long answer is used instead.\n`);
  }

  const bar = progress(err);
  const samples: Sample[] = [];
  const steps = settings.runs * settings.providers.length * 2;
  let step = 0;
  for (let run = 1; run <= settings.runs; run++) {
    for (const provider of settings.providers) {
      // Alternate which mode goes first, so neither always runs on a warmer connection.
      const modes: Mode[] = run % 2 === 1 ? ['streaming', 'blocking'] : ['blocking', 'streaming'];
      for (const mode of modes) {
        step++;
        bar.start(`[${String(step).padStart(String(steps).length)}/${steps}] ${provider.padEnd(9)} ${(mode === 'streaming' ? 'streaming' : 'not streaming').padEnd(13)}`);
        try {
          const sample = await measureOnce(clients, settings, provider, mode, run, (p) => bar.piece(p));
          samples.push(sample);
          bar.done(`first token ${seconds(sample.ttftMs ?? NaN)}, done ${seconds(sample.totalMs ?? NaN)}`);
        } catch (e) {
          const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
          samples.push({ provider, mode, run, source: settings.live ? 'live' : 'simulator', error: message });
          bar.done(paint(styleFor(err), 'yellow', `failed (${message.slice(0, 120)})`));
        }
      }
    }
  }
  clients.mock?.close();

  const rows: Row[] = [];
  for (const provider of settings.providers) {
    for (const mode of ['streaming', 'blocking'] as const) {
      const ok = samples.filter((s) => s.provider === provider && s.mode === mode && !s.error);
      const failed = samples.filter((s) => s.provider === provider && s.mode === mode && s.error).length;
      if (ok.length) rows.push({ provider, mode, ttft: summarise(ok.map((s) => s.ttftMs!)), total: summarise(ok.map((s) => s.totalMs!)), failed });
    }
  }
  if (rows.length === 0) throw new Error('Every run failed; see the messages above.');
  const comparisons = compare(rows);
  const findings = conclusion(comparisons, settings);
  const createdAt = new Date().toISOString();

  const print = (line = '') => process.stdout.write(`${line}\n`);
  print();
  print(paint(style, 'bold', 'Time to first token and total time'));
  for (const line of table(rows)) print(line);
  print();
  for (const line of chart(rows, style)) print(line);
  print();
  print(paint(style, 'bold', 'What the numbers show'));
  for (const line of findings) print(`- ${line}`);

  mkdirSync(out, { recursive: true });
  // The lab has made its point when, for every provider measured, streaming's first token came clearly sooner.
  const passed = (settings.speed > 0 || Boolean(settings.live)) && comparisons.length > 0 && comparisons.every((c) => c.firstTokenSooner >= 2);
  const results = { lab: '01-ttft', createdAt, settings, samples, summary: rows, comparisons, conclusion: findings, passed };
  writeFileSync(path.join(out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(path.join(out, 'report.md'), markdownReport(settings, rows, comparisons, samples, createdAt));
  print();
  print(`Wrote ${path.relative(process.cwd(), path.join(out, 'results.json'))} and ${path.relative(process.cwd(), path.join(out, 'report.md'))}.`);
}

main().catch((e: unknown) => {
  if (e instanceof UsageError) {
    process.stderr.write(`error: ${e.message}\nRun with --help to see the options.\n`);
    process.exit(2);
  }
  process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
