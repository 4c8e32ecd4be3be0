/**
 * The reference counts tokens with gpt-tokenizer because the token bench
 * (bench/tokenizers.ts) found it about 10x faster than js-tiktoken with the
 * same count on every message of its corpus. This file keeps that choice
 * honest: the reference's counts and ids must equal js-tiktoken's (the direct
 * port of OpenAI's tiktoken) on a varied corpus, on edge cases and on random
 * text, for both encodings. It tests the reference whatever LAB_TARGET says:
 * context.test.ts grades the exercises.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Tiktoken } from 'js-tiktoken/lite';
import cl100k_base from 'js-tiktoken/ranks/cl100k_base';
import o200k_base from 'js-tiktoken/ranks/o200k_base';
import * as gptCl100k from 'gpt-tokenizer/encoding/cl100k_base';
import * as gptO200k from 'gpt-tokenizer/encoding/o200k_base';
import { chatCorpus } from '../../bench/corpus.ts';
import { countTokens, encoderFor, encodings, type Encoding } from './reference/tokens.ts';

const tiktoken: Record<Encoding, Tiktoken> = { cl100k_base: new Tiktoken(cl100k_base), o200k_base: new Tiktoken(o200k_base) };

const edgeCases = [
  '',
  ' ',
  'hello world',
  // emoji: plain, with skin tone, ZWJ sequences, flags, keycaps
  '🎉', 'Is it worth it? 🤔 Be honest 🙏', '👍🏽 👨‍👩‍👧‍👦 👩🏻‍💻 🇮🇳🇫🇷 1️⃣ ❤️‍🔥', '🎉'.repeat(200),
  // CJK and other scripts
  '日本語のテキストを数えます。', '요약: 스트리밍은 첫 토큰까지의 시간을 줄입니다.', '中文分词测试：上下文窗口', 'नमस्ते दुनिया', 'مرحبا بالعالم', 'สวัสดีครับ',
  'Écris-moi un résumé (é, è, à, ç, œ), naïve café — “quotes” … ‘single’',
  'e\u0301 a\u0308 combining marks', 'Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̔ͮ̇͐̇',
  // code
  "```ts\nconst stream = await client.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 1024, messages });\nfor await (const e of stream) if (e.type === 'content_block_delta') process.stdout.write(e.delta.text);\n```",
  'def f(x):\n\tif x >= 10**9: return {"a": [1, 2.5e-3, None]}\n\treturn x  # comment\n',
  '<div class="a">&nbsp;&amp;</div>\r\n<?php echo $x; ?>',
  // special-token look-alikes, as text
  '<|endoftext|>', 'ignore that <|endoftext|> and <|endofprompt|>, please', '<|fim_prefix|><|fim_middle|><|fim_suffix|>', '<|im_start|>system<|im_sep|>hi<|im_end|>', '<|endoftext', 'endoftext|>', '<||>',
  // whitespace runs
  ' '.repeat(1000), '\t'.repeat(300), '\n'.repeat(500), ' \n'.repeat(200), 'a' + ' '.repeat(777) + 'b', 'trailing   ', '   leading', '\r\n\r\n  \t \u00a0\u2003\u3000 x',
  // numbers, long words, repeats
  '1234567890123456789012345678901234567890', '3.14159265358979 1,000,000 -42 0x1F', 'a'.repeat(2000), 'ab'.repeat(1000), 'Supercalifragilisticexpialidocious antidisestablishmentarianism',
  "I'm sure they'RE here, WE'LL see, it's JOHN'S",
  // U+FEFF (byte-order mark / zero-width no-break space) and other invisible or unusual code points
  '\uFEFF', '\uFEFFhello', 'a\uFEFFb', 'text\n\uFEFFnext line', '\uFEFF<|endoftext|>\uFEFF', 'zero\u200Bwidth\u200Djoin', '\u{10FFFF}\u{E0001}', 'lone \uD800 surrogate', '\uFFFD replacement',
];

const corpus = [...chatCorpus(600, 31).map((m) => m.content), ...edgeCases];

/** The texts (with the encoding) on which the reference and js-tiktoken disagree, in count or in ids. */
function disagreements(texts: readonly string[], encoding: Encoding): { text: string; reference: number[]; tiktoken: number[] }[] {
  const out: { text: string; reference: number[]; tiktoken: number[] }[] = [];
  for (const text of texts) {
    const ids = encoderFor(encoding).encode(text, [], []);
    const expected = tiktoken[encoding].encode(text, [], []);
    if (countTokens(text, encoding) !== expected.length || ids.join() !== expected.join()) out.push({ text, reference: ids, tiktoken: expected });
  }
  return out;
}

describe('tokenizer cross-check: the reference (gpt-tokenizer) against js-tiktoken', () => {
  for (const encoding of encodings) {
    it(`${encoding}: the same count and ids on a chat corpus and on edge cases`, () => {
      expect(disagreements(corpus, encoding)).toEqual([]);
      expect(countTokens('<|endoftext|>', encoding)).toBe(7);
    });

    it(`${encoding}: the same count and ids on random text`, () => {
      const special = fc.constantFrom('<|endoftext|>', '<|endofprompt|>', '<|fim_prefix|>', '<|im_start|>', '\uFEFF');
      const space = fc.constantFrom(' ', '  ', '\n', '\n\n', '\t', ' '.repeat(40), '\r\n');
      const part = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 20 }), special, space);
      const text = fc.array(part, { maxLength: 8 }).map((parts) => parts.join(''));
      fc.assert(
        fc.property(text, (s) => {
          expect(disagreements([s], encoding)).toEqual([]);
        }),
        { numRuns: 400 },
      );
    });

    it(`${encoding}: special tokens as tiktoken has them: refused by default, allowed on request, decoded alike`, () => {
      const encoder = encoderFor(encoding);
      const t = tiktoken[encoding];
      for (const text of ['<|endoftext|>', 'a <|endofprompt|> b']) {
        expect(() => encoder.encode(text)).toThrow(/special token/);
        expect(() => t.encode(text)).toThrow(/special token/);
      }
      const mixed = 'x <|endoftext|> y <|endofprompt|> <|fim_prefix|> <|im_start|> z';
      for (const [allowed, disallowed] of [['all', []], [['<|endoftext|>'], []], [[], []], ['all', 'all']] as const) {
        const args = [allowed === 'all' ? 'all' : [...allowed], disallowed === 'all' ? 'all' : [...disallowed]] as const;
        expect(encoder.encode(mixed, ...args)).toEqual(t.encode(mixed, ...args));
      }
      // Decoding, whole and cut anywhere (as the simulator cuts replies into pieces).
      for (const text of [mixed, ...edgeCases.slice(0, 20)]) {
        const ids = t.encode(text, 'all', []);
        for (let end = 0; end <= Math.min(ids.length, 12); end++) expect(encoder.decode(ids.slice(0, end))).toBe(t.decode(ids.slice(0, end)));
        expect(encoder.decode(ids)).toBe(t.decode(ids));
      }
    });
  }

  it('gpt-tokenizer on its own still miscounts text with U+FEFF, which is why the reference sends such text to js-tiktoken', () => {
    // If this fails after an upgrade, gpt-tokenizer has fixed it: the U+FEFF fallback in reference/tokens.ts can go.
    const gpt = { cl100k_base: gptCl100k, o200k_base: gptO200k };
    const noSpecial = { disallowedSpecial: new Set<string>() };
    for (const encoding of encodings) {
      const text = '\uFEFFhello';
      expect(gpt[encoding].countTokens(text, noSpecial)).not.toBe(tiktoken[encoding].encode(text, [], []).length);
      expect(countTokens(text, encoding)).toBe(tiktoken[encoding].encode(text, [], []).length);
    }
  });
});
