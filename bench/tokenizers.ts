import { execFileSync } from 'node:child_process';
import * as gptCl100k from 'gpt-tokenizer/encoding/cl100k_base';
import * as gptO200k from 'gpt-tokenizer/encoding/o200k_base';
import { Tiktoken } from 'js-tiktoken/lite';
import tiktokenCl100k from 'js-tiktoken/ranks/cl100k_base';
import tiktokenO200k from 'js-tiktoken/ranks/o200k_base';
import { countTokens, tokenizerLibrary, type Encoding } from '../modules/context/reference/tokens.ts';
import { chatCorpus } from './corpus.ts';
import { compare, fmtMs, fmtRatio, round, type MeasureOptions } from './measure.ts';
import type { Bench, BenchRow } from './types.ts';

/**
 * Token counting, the same corpus through both libraries, per encoding:
 *  - js-tiktoken, one encoder per encoding built before timing;
 *  - gpt-tokenizer's countTokens, warm: its LRU merge cache (on by default)
 *    already holds this corpus's words, as it would in a long-running server;
 *  - gpt-tokenizer cold: the merge cache cleared before every pass, so each
 *    pass pays the merges again (a server seeing new text);
 *  - the context module's countTokens, which uses `tokenizerLibrary`
 *    (reference/tokens.ts), with its cached encoder: the library plus the
 *    module's wrapper, as the labs and the milestone server call it.
 * User text is data, never control: all count a literal "<|endoftext|>" as
 * plain characters (js-tiktoken: no special token allowed or disallowed;
 * gpt-tokenizer: an empty disallowedSpecial set). Counts are compared message
 * by message before anything is timed.
 */

const gpt = { cl100k_base: gptCl100k, o200k_base: gptO200k } as const;
const tiktokenRanks = { cl100k_base: tiktokenCl100k, o200k_base: tiktokenO200k } as const;
const noSpecial = { disallowedSpecial: new Set<string>() };

export type TokenizerLibrary = 'js-tiktoken' | 'gpt-tokenizer';

export interface TokenizerMeasurement {
  encoding: Encoding;
  texts: number;
  tokens: number;
  /** Messages whose counts differ between the libraries. */
  disagreements: number;
  /** Messages whose count from the context module differs from js-tiktoken's. */
  moduleDisagreements: number;
  /** The library the context module counts with. */
  inUse: TokenizerLibrary;
  tiktokenMs: number;
  gptWarmMs: number;
  gptColdMs: number;
  moduleMs: number;
  /** A fresh process: load the library and count one string (ms). */
  tiktokenColdStartMs: number;
  gptColdStartMs: number;
}

/** Load a tokenizer in a fresh Node process and count one string: how long until the first count. */
export function coldStartMs(library: TokenizerLibrary, encoding: Encoding): number {
  const load =
    library === 'js-tiktoken'
      ? `const { Tiktoken } = await import('js-tiktoken/lite'); const ranks = (await import('js-tiktoken/ranks/${encoding}')).default; new Tiktoken(ranks).encode('hello world', [], []);`
      : `const { countTokens } = await import('gpt-tokenizer/encoding/${encoding}'); countTokens('hello world');`;
  const code = `const t0 = performance.now(); ${load} process.stdout.write(String(performance.now() - t0));`;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: process.cwd(), encoding: 'utf8', timeout: 60_000 }));
}

export async function measureTokenizers(
  opts: { texts: number; encodings?: readonly Encoding[]; measure?: MeasureOptions; coldStart?: boolean },
  progress: (m: string) => void = () => {},
): Promise<TokenizerMeasurement[]> {
  const texts = chatCorpus(opts.texts, 21).map((m) => m.content);
  const out: TokenizerMeasurement[] = [];
  for (const encoding of opts.encodings ?? (['cl100k_base', 'o200k_base'] as const)) {
    const lib = gpt[encoding];
    const tiktoken = new Tiktoken(tiktokenRanks[encoding]);
    progress(`${encoding}: cold start of each library in a fresh process`);
    const cold = opts.coldStart ?? true;
    const tiktokenColdStartMs = cold ? coldStartMs('js-tiktoken', encoding) : NaN;
    const gptColdStartMs = cold ? coldStartMs('gpt-tokenizer', encoding) : NaN;

    progress(`${encoding}: comparing counts on ${texts.length.toLocaleString('en')} messages`);
    let tokens = 0;
    let disagreements = 0;
    let moduleDisagreements = 0;
    for (const text of texts) {
      const a = tiktoken.encode(text, [], []).length;
      const b = lib.countTokens(text, noSpecial);
      tokens += a;
      if (a !== b) disagreements++;
      if (countTokens(text, encoding) !== a) moduleDisagreements++;
    }

    let sink = 0;
    const t = await compare(
      {
        'js-tiktoken': () => {
          for (const text of texts) sink += tiktoken.encode(text, [], []).length;
        },
        'gpt-tokenizer warm': () => {
          for (const text of texts) sink += lib.countTokens(text, noSpecial);
        },
        'gpt-tokenizer cold': {
          fn: () => {
            for (const text of texts) sink += lib.countTokens(text, noSpecial);
          },
          beforeEach: () => lib.clearMergeCache(),
        },
        'context module': () => {
          for (const text of texts) sink += countTokens(text, encoding);
        },
      },
      { rounds: 3, time: 400, iterations: 5, progress: (m) => progress(`${encoding}: ${m}`), ...opts.measure },
    );
    if (sink < 0) throw new Error('unreachable');
    out.push({
      encoding,
      texts: texts.length,
      tokens,
      disagreements,
      moduleDisagreements,
      inUse: tokenizerLibrary,
      tiktokenMs: t['js-tiktoken'].median,
      gptWarmMs: t['gpt-tokenizer warm'].median,
      gptColdMs: t['gpt-tokenizer cold'].median,
      moduleMs: t['context module'].median,
      tiktokenColdStartMs,
      gptColdStartMs,
    });
  }
  return out;
}

export function tokenizerRow(m: TokenizerMeasurement): BenchRow {
  const faster: TokenizerLibrary = Math.min(m.gptWarmMs, m.gptColdMs) < m.tiktokenMs ? 'gpt-tokenizer' : 'js-tiktoken';
  const perK = (ms: number) => `${fmtMs((ms / m.tokens) * 1000)}/1k tokens`;
  const agree = m.disagreements === 0 && m.moduleDisagreements === 0;
  const named = (library: TokenizerLibrary) => (library === m.inUse ? `${library} (the context module)` : library);
  return {
    what: `token counting, ${m.encoding}: ${m.texts.toLocaleString('en')} chat messages (${m.tokens.toLocaleString('en')} tokens), one pass`,
    baseline: `${named('js-tiktoken')} vs ${named('gpt-tokenizer')}, same corpus, same run`,
    result:
      `js-tiktoken ${fmtMs(m.tiktokenMs)} (${perK(m.tiktokenMs)}); gpt-tokenizer ${fmtMs(m.gptColdMs)} cold, ${fmtMs(m.gptWarmMs)} warm ` +
      `(${fmtRatio(m.tiktokenMs / m.gptColdMs)} / ${fmtRatio(m.tiktokenMs / m.gptWarmMs)} faster); ` +
      `through the context module ${fmtMs(m.moduleMs)}; ` +
      `fresh process to first count: ${fmtMs(m.tiktokenColdStartMs)} vs ${fmtMs(m.gptColdStartMs)}; ` +
      `counts ${m.disagreements === 0 ? 'agree on every message' : `differ on ${m.disagreements} messages`}` +
      `${m.moduleDisagreements === 0 ? '' : ` (the context module's on ${m.moduleDisagreements})`}; faster: ${faster}`,
    target: 'report both; use the faster where counts agree',
    // Met when the module uses the faster library and the counts agree; when they do not, when it keeps js-tiktoken (tiktoken's port).
    met: agree ? m.inUse === faster : m.inUse === 'js-tiktoken',
    data: {
      encoding: m.encoding,
      texts: m.texts,
      tokens: m.tokens,
      disagreements: m.disagreements,
      moduleDisagreements: m.moduleDisagreements,
      jsTiktokenMs: round(m.tiktokenMs),
      gptTokenizerColdMs: round(m.gptColdMs),
      gptTokenizerWarmMs: round(m.gptWarmMs),
      contextModuleMs: round(m.moduleMs),
      coldSpeedup: round(m.tiktokenMs / m.gptColdMs, 3),
      warmSpeedup: round(m.tiktokenMs / m.gptWarmMs, 3),
      jsTiktokenColdStartMs: round(m.tiktokenColdStartMs),
      gptTokenizerColdStartMs: round(m.gptColdStartMs),
      inUse: m.inUse,
      faster,
    },
  };
}

export const tokenizers: Bench = {
  id: 'tokens',
  title: 'Token counting: js-tiktoken vs gpt-tokenizer on the same corpus',
  note: `2,000 chat messages counted by js-tiktoken and by gpt-tokenizer, per encoding, and by the context module (which uses ${tokenizerLibrary}); counts compared message by message; gpt-tokenizer warm (merge cache) and cold (cache cleared before each pass); time from a fresh process to the first count.`,
  async run(progress) {
    return (await measureTokenizers({ texts: 2_000 }, progress)).map(tokenizerRow);
  },
};
