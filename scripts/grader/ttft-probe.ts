/**
 * The TTFT probe. Runs INSIDE the sandbox, copied into the grading folder:
 *
 *   node --import tsx .grader/ttft-probe.ts <gradingDir> <speed> <trials> <maxRounds> <out.json>
 *
 * It replays the same cassette ("Explain RAG in detail") through the
 * simulator to the submission's streamAnthropic/streamOpenAI and to the
 * reference's, interleaved (ABBA), timing both with the reference's
 * measureTtft, and stops each trial at the first token (the rest of the
 * stream says nothing about TTFT). An unclear result gets another round.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import { ttftVerdict } from './ttft-verdict.ts';

type Streaming = typeof import('../../modules/streaming/reference/index.ts');
type Sim = typeof import('../../fixtures/sim/index.ts');
type Provider = 'anthropic' | 'openai';

const [root, speedArg, trialsArg, roundsArg, outFile] = process.argv.slice(2);
const load = async <T>(rel: string) => (await import(pathToFileURL(path.join(root, rel)).href)) as T;
const sim = await load<Sim>('fixtures/sim/index.ts');
const reference = await load<Streaming>('.grader/ref/modules/streaming/reference/index.ts');
let submission: Streaming | null = null;
let loadError = '';
try {
  submission = await load<Streaming>('modules/streaming/exercises/index.ts');
} catch (e) {
  loadError = `your modules/streaming/exercises/index.ts failed to load: ${(e as Error).message}`;
}

const mock = sim.startProviderMock({ speed: Number(speedArg) });
const { default: AnthropicClient } = await import('@anthropic-ai/sdk');
const { default: OpenAIClient } = await import('openai');
const anthropic: Anthropic = new AnthropicClient({ apiKey: 'sim', maxRetries: 0 });
const openai: OpenAI = new OpenAIClient({ apiKey: 'sim', maxRetries: 0 });
const PROMPT = 'Explain RAG in detail';
const TRIAL_TIMEOUT_MS = 20_000;

function start(impl: Streaming, provider: Provider): AsyncIterable<string> {
  return provider === 'anthropic'
    ? impl.streamAnthropic(anthropic, { model: 'claude-sonnet-4-6', max_tokens: 1024, messages: [{ role: 'user', content: PROMPT }] })
    : impl.streamOpenAI(openai, { model: 'gpt-4o', messages: [{ role: 'user', content: PROMPT }] });
}

/** The stream up to its first non-empty piece; then it is abandoned (return() aborts the request). */
async function* untilFirst(stream: AsyncIterable<string>): AsyncGenerator<string> {
  const it = stream[Symbol.asyncIterator]();
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const next = await Promise.race([it.next(), new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no text within ${TRIAL_TIMEOUT_MS / 1000} s`)), TRIAL_TIMEOUT_MS)))]).finally(() => clearTimeout(timer));
    if (next.done) return;
    if (next.value === '') continue;
    yield next.value;
    void Promise.resolve(it.return?.()).catch(() => {});
    return;
  }
}

async function trial(impl: Streaming, provider: Provider): Promise<number> {
  const sample = await reference.measureTtft(() => untilFirst(start(impl, provider)));
  return sample.ttftMs;
}

interface ProviderResult {
  provider: Provider;
  reference: number[];
  submission: number[];
  error?: string;
  rounds: number;
}

const trials = Number(trialsArg);
const maxRounds = Number(roundsArg);
const results: ProviderResult[] = [];
for (const provider of ['anthropic', 'openai'] as const) {
  const r: ProviderResult = { provider, reference: [], submission: [], rounds: 0 };
  results.push(r);
  if (!submission) {
    r.error = loadError;
    continue;
  }
  try {
    await trial(reference, provider); // warm-up: first-request costs (SDK, MSW) hit both equally afterwards
    await trial(submission, provider);
    while (r.rounds < maxRounds) {
      r.rounds++;
      for (let i = 0; i < trials; i++) {
        const order: Array<[Streaming, number[]]> = [
          [reference, r.reference],
          [submission, r.submission],
        ];
        if (i % 2 === 1) order.reverse();
        for (const [impl, into] of order) into.push(await trial(impl, provider));
      }
      if (ttftVerdict(r.reference, r.submission).verdict !== 'unclear') break;
    }
  } catch (e) {
    r.error = `your stream${provider === 'anthropic' ? 'Anthropic' : 'OpenAI'} failed: ${(e as Error).message}`;
  }
}
mock.close();
writeFileSync(outFile, JSON.stringify(results));
process.exit(0);
