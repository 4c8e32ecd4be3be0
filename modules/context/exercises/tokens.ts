import { Tiktoken } from 'js-tiktoken/lite';
import cl100k_base from 'js-tiktoken/ranks/cl100k_base';
import o200k_base from 'js-tiktoken/ranks/o200k_base';
import { todo } from '../../shared/not-implemented.ts';

/**
 * Exercise "count-tokens": count tokens with js-tiktoken.
 *
 * The ranks (the BPE merge tables) ship inside the js-tiktoken package and are
 * imported above, so building an encoder never touches the network. Building
 * one parses a table of 100k-200k entries: it is slow, so build each encoder
 * once and reuse it.
 *
 * js-tiktoken is the direct port of tiktoken, the library the course teaches.
 * The reference uses gpt-tokenizer instead: the project's token bench measured
 * it about 10x faster with the same counts (see reference/tokens.ts). Either
 * passes the suite. To try gpt-tokenizer, rebuild CountingEncoder's insides on
 * it and keep its signature and counters; give user text to it with
 * `{ disallowedSpecial: new Set() }` so that "<|endoftext|>" stays plain text.
 */

/** cl100k_base: gpt-3.5-turbo and gpt-4. o200k_base: gpt-4o, gpt-4.1, gpt-5, the o-series. */
export type Encoding = 'cl100k_base' | 'o200k_base';

export const encodings: readonly Encoding[] = ['cl100k_base', 'o200k_base'];

const ranks = { cl100k_base, o200k_base } as const;

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
 * A Tiktoken encoder that counts its own construction and every encode() call.
 * Same signature and defaults as Tiktoken.encode: with no extra arguments a
 * special-token string such as "<|endoftext|>" in the text throws, as it does
 * in tiktoken itself. (Given: use it as it is, or swap js-tiktoken for
 * gpt-tokenizer inside it, as the comment at the top says.)
 */
export class CountingEncoder {
  readonly #tiktoken: Tiktoken;

  constructor(readonly encoding: Encoding) {
    this.#tiktoken = new Tiktoken(ranks[encoding]);
    stats.encodersBuilt[encoding] += 1;
  }

  encode(
    text: string,
    allowedSpecial: string[] | 'all' = [],
    disallowedSpecial: string[] | 'all' = 'all',
  ): number[] {
    stats.encodeCalls += 1;
    return this.#tiktoken.encode(text, allowedSpecial, disallowedSpecial);
  }

  decode(tokens: number[]): string {
    return this.#tiktoken.decode(tokens);
  }
}

/** gpt-4o, gpt-4.1, gpt-5 and the o-series use o200k_base; older OpenAI chat models use cl100k_base. */
export function encodingForModel(model: string): Encoding {
  return /^(gpt-4o|gpt-4\.1|gpt-5|o\d|chatgpt-4o)/.test(model) ? 'o200k_base' : 'cl100k_base';
}

/** The encoder for an encoding (a CountingEncoder), built on first use and cached for the life of the process. */
export function encoderFor(encoding: Encoding): CountingEncoder {
  return todo('count-tokens');
}

/**
 * Tokens in a piece of text (0 for ''). User text is data, never control: a
 * literal "<|endoftext|>" must be encoded as the ordinary characters it is made
 * of, so it neither throws nor counts as one special token.
 */
export function countTokens(text: string, encoding: Encoding = 'cl100k_base'): number {
  return todo('count-tokens');
}
