import { createRequire } from 'node:module';
import type { GptEncoding } from 'gpt-tokenizer/GptEncoding';
import type { Tiktoken, TiktokenBPE } from 'js-tiktoken/lite';

/**
 * Token counting with gpt-tokenizer, behind tiktoken's interface.
 *
 * The course teaches tiktoken, and js-tiktoken is its direct port. The token
 * bench (`npx tsx scripts/bench.ts --only tokens`) measured gpt-tokenizer
 * about 10x faster on the same chat corpus, with the same count on every
 * message, so the reference uses it (and js-tiktoken for the one kind of text
 * where they differ, below); `../tokenizers.test.ts` checks that the two
 * still agree. Either library passes the suite.
 *
 * The ranks (the BPE merge tables) ship inside the gpt-tokenizer package, so
 * building an encoder never touches the network. An encoding's table is
 * loaded the first time an encoder for it is built, and only then: the API
 * is synchronous, so it is loaded with require() (gpt-tokenizer ships a
 * CommonJS build) rather than with a dynamic import. Building an encoder
 * indexes a table of 100k-200k entries, which takes tens of milliseconds:
 * build each encoder once and reuse it.
 */

/** The library this module counts with (the token bench names it in its row). */
export const tokenizerLibrary: 'gpt-tokenizer' | 'js-tiktoken' = 'gpt-tokenizer';

/** cl100k_base: gpt-3.5-turbo and gpt-4. o200k_base: gpt-4o, gpt-4.1, gpt-5, the o-series. */
export type Encoding = 'cl100k_base' | 'o200k_base';

export const encodings: readonly Encoding[] = ['cl100k_base', 'o200k_base'];

/** One entry per token id: the token's text, or its bytes when they are not valid UTF-8 on their own. */
type Ranks = (string | number[])[];

const require = createRequire(import.meta.url);

const loadRanks: Record<Encoding, () => Ranks> = {
  cl100k_base: () => (require('gpt-tokenizer/bpeRanks/cl100k_base') as typeof import('gpt-tokenizer/bpeRanks/cl100k_base')).default,
  o200k_base: () => (require('gpt-tokenizer/bpeRanks/o200k_base') as typeof import('gpt-tokenizer/bpeRanks/o200k_base')).default,
};

/**
 * tiktoken's special tokens and their ids. gpt-tokenizer knows a few more
 * (<|im_start|>, <|im_end|>, ...) and numbers o200k's <|endofprompt|>
 * differently, so CountingEncoder handles special tokens itself, as tiktoken
 * does, and gives gpt-tokenizer only ordinary text.
 */
const specialTokens: Record<Encoding, ReadonlyMap<string, number>> = {
  cl100k_base: new Map([
    ['<|endoftext|>', 100257],
    ['<|fim_prefix|>', 100258],
    ['<|fim_middle|>', 100259],
    ['<|fim_suffix|>', 100260],
    ['<|endofprompt|>', 100276],
  ]),
  o200k_base: new Map([
    ['<|endoftext|>', 199999],
    ['<|endofprompt|>', 200018],
  ]),
};

/**
 * gpt-tokenizer 4.0 gets text containing U+FEFF (a byte-order mark, or a
 * zero-width no-break space) wrong: it looks byte sequences up through a
 * TextDecoder that drops a leading BOM, so the bytes of U+FEFF are merged by
 * the wrong ranks and the ids, and usually the count, come out wrong. Such
 * text, rare in a chat, goes to js-tiktoken, whose encoder is built the
 * first time it is needed. On all other text tokenizers.test.ts finds the
 * two libraries agreeing id for id.
 */
const BOM = '\uFEFF';

const loadTiktokenRanks: Record<Encoding, () => TiktokenBPE> = {
  cl100k_base: () => require('js-tiktoken/ranks/cl100k_base') as TiktokenBPE,
  o200k_base: () => require('js-tiktoken/ranks/o200k_base') as TiktokenBPE,
};

function buildTiktoken(encoding: Encoding): Tiktoken {
  const { Tiktoken } = require('js-tiktoken/lite') as typeof import('js-tiktoken/lite');
  return new Tiktoken(loadTiktokenRanks[encoding]());
}

/** Encode every special-token look-alike as the characters it is made of. */
const plainText = { allowedSpecial: new Set<string>(), disallowedSpecial: new Set<string>() };

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const anyOf = (strings: Iterable<string>) => new RegExp([...strings].map(escapeRegExp).join('|'), 'g');

/** How often the tokenizer has been built and used in this process. */
export interface TokenizerStats {
  /** encode() calls since the last resetTokenizerStats(). */
  encodeCalls: number;
  /** Encoders constructed since the process started, per encoding (never reset). */
  encodersBuilt: Record<Encoding, number>;
}

const stats: TokenizerStats = { encodeCalls: 0, encodersBuilt: { cl100k_base: 0, o200k_base: 0 } };

/** A copy of the counters, so tests (and you) can see that a code path never tokenizes. */
export function tokenizerStats(): TokenizerStats {
  return { encodeCalls: stats.encodeCalls, encodersBuilt: { ...stats.encodersBuilt } };
}

/** Zero the encode() call counter (the build counters are kept). */
export function resetTokenizerStats(): void {
  stats.encodeCalls = 0;
}

/**
 * An encoder that counts its own construction and every encode() call.
 * Same signature, defaults and ids as tiktoken's encode: with no extra
 * arguments a special-token string such as "<|endoftext|>" in the text
 * throws; with `[], []` it is encoded as the ordinary characters it is made
 * of.
 */
export class CountingEncoder {
  readonly #ranks: Ranks;
  readonly #bpe: GptEncoding;
  readonly #specials: ReadonlyMap<string, number>;
  readonly #specialIds: ReadonlyMap<number, string>;
  #tiktoken: Tiktoken | undefined;

  constructor(readonly encoding: Encoding) {
    const { GptEncoding } = require('gpt-tokenizer/GptEncoding') as typeof import('gpt-tokenizer/GptEncoding');
    this.#ranks = loadRanks[encoding]();
    this.#bpe = GptEncoding.getEncodingApi(encoding, () => this.#ranks);
    this.#specials = specialTokens[encoding];
    this.#specialIds = new Map([...this.#specials].map(([text, id]) => [id, text]));
    stats.encodersBuilt[encoding] += 1;
  }

  encode(
    text: string,
    allowedSpecial: string[] | 'all' = [],
    disallowedSpecial: string[] | 'all' = 'all',
  ): number[] {
    stats.encodeCalls += 1;
    const allowed = new Set(allowedSpecial === 'all' ? this.#specials.keys() : allowedSpecial);
    const disallowed = disallowedSpecial === 'all' ? [...this.#specials.keys()].filter((s) => !allowed.has(s)) : disallowedSpecial;
    if (disallowed.length > 0) {
      const found = text.match(anyOf(disallowed));
      if (found) throw new Error(`The text contains a special token that is not allowed: ${found[0]}`);
    }
    const wanted = [...this.#specials.keys()].filter((s) => allowed.has(s));
    if (wanted.length === 0) return this.#ordinary(text);
    // Allowed special tokens become their own ids; the text between them is ordinary text.
    let out: number[] = [];
    let start = 0;
    for (const match of text.matchAll(anyOf(wanted))) {
      out = out.concat(this.#ordinary(text.slice(start, match.index)), this.#specials.get(match[0])!);
      start = match.index + match[0].length;
    }
    return out.concat(this.#ordinary(text.slice(start)));
  }

  /** Ids of text in which nothing is a special token. */
  #ordinary(text: string): number[] {
    if (!text.includes(BOM)) return this.#bpe.encode(text, plainText);
    this.#tiktoken ??= buildTiktoken(this.encoding);
    return this.#tiktoken.encode(text, [], []);
  }

  /**
   * The text of a list of token ids, decoded as a whole as tiktoken does: a
   * list that stops inside a multi-byte character ends in U+FFFD, and an
   * unknown id is skipped. (gpt-tokenizer's own decode differs: it keeps such
   * trailing bytes back for its next call.)
   */
  decode(tokens: number[]): string {
    const parts: Uint8Array[] = [];
    for (const token of tokens) {
      const entry = this.#ranks[token] ?? this.#specialIds.get(token);
      if (entry !== undefined) parts.push(typeof entry === 'string' ? utf8Encoder.encode(entry) : Uint8Array.from(entry));
    }
    return utf8Decoder.decode(Buffer.concat(parts));
  }
}

/** gpt-4o, gpt-4.1, gpt-5 and the o-series use o200k_base; older OpenAI chat models use cl100k_base. */
export function encodingForModel(model: string): Encoding {
  return /^(gpt-4o|gpt-4\.1|gpt-5|o\d|chatgpt-4o)/.test(model) ? 'o200k_base' : 'cl100k_base';
}

const cache = new Map<Encoding, CountingEncoder>();

/** The encoder for an encoding, built on first use and cached for the life of the process. */
export function encoderFor(encoding: Encoding): CountingEncoder {
  let encoder = cache.get(encoding);
  if (encoder === undefined) {
    encoder = new CountingEncoder(encoding);
    cache.set(encoding, encoder);
  }
  return encoder;
}

/**
 * Tokens in a piece of text. User text is data, never control: a literal
 * "<|endoftext|>" is encoded as the ordinary characters it is made of (no
 * special token allowed, none disallowed), so it neither throws nor ends the
 * document.
 */
export function countTokens(text: string, encoding: Encoding = 'cl100k_base'): number {
  if (text === '') return 0;
  return encoderFor(encoding).encode(text, [], []).length;
}
