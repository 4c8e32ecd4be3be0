import { seededRandom } from '../fixtures/sim/random.ts';
import { longAnswer } from '../fixtures/sim/synthetic/long-answer.ts';
import { ragExplanation } from '../fixtures/sim/synthetic/rag-text.ts';

/**
 * A deterministic chat corpus for the benchmarks: short user questions and
 * longer assistant replies built from the simulator's own prose, with some
 * code, numbers, accented text, CJK, emoji and a literal <|endoftext|> mixed
 * in, so tokenizers meet what a chat app meets. Same seed, same corpus.
 */

const topics = ['RAG', 'vector search', 'prompt caching', 'SSE streaming', 'rate limits', 'SQLite WAL', 'Redis TTLs', 'tokenizers', 'context windows', 'tool calls'];

const questions = [
  (t: string, n: number) => `Could you explain ${t} again, but shorter? I am on item ${n} of my list.`,
  (t: string, n: number) => `How does ${t} behave when the input is ${n} times larger?`,
  (t: string) => `What is the most common mistake people make with ${t}?`,
  (t: string, n: number) => `My name is Ajay and I live in Mumbai. Does ${t} change if I have ${n} users?`,
  (t: string) => `Écris-moi un résumé de ${t} en français, s'il te plaît (avec des accents : é, è, à, ç).`,
  (t: string) => `${t} について日本語で一文で説明してください。`,
  (t: string) => `Is ${t} worth it? 🤔 Be honest 🙏`,
  (t: string) => `Why does my log show the literal string <|endoftext|> after ${t} runs?`,
];

const extras = [
  "```ts\nconst stream = await client.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 1024, messages });\nfor await (const event of stream) if (event.type === 'content_block_delta') process.stdout.write(event.delta.text);\n```",
  '| step | ms |\n| --- | --- |\n| connect | 1.2 |\n| first token | 312.5 |\n| last token | 8765.4 |',
  'In numbers: 1,000 requests at 0.35 s each is 350 s of waiting, or 5 min 50 s.',
  'Voilà : la réponse arrive morceau par morceau, ce qui réduit le délai perçu.',
  '要点：ストリーミングは最初のトークンまでの時間を短くします。',
];

const sentences = [...ragExplanation.split(/(?<=[.!?])\s+/), ...topics.flatMap((t) => longAnswer(t).split(/(?<=[.!?])\s+/))].filter((s) => s.length > 0);

export interface ChatText {
  role: 'user' | 'assistant';
  content: string;
}

/** `messages` messages alternating user, assistant (so messages / 2 turns), deterministic for a seed. */
export function chatCorpus(messages: number, seed = 8): ChatText[] {
  const rand = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const out: ChatText[] = [];
  for (let i = 0; i < messages; i++) {
    if (i % 2 === 0) {
      out.push({ role: 'user', content: pick(questions)(pick(topics), i / 2 + 1) });
    } else {
      // Replies of 1 to 6 sentences (roughly 25 to 200 tokens), sometimes with code or a table.
      const parts: string[] = [];
      const n = 1 + Math.floor(rand() * 6);
      for (let s = 0; s < n; s++) parts.push(pick(sentences));
      if (rand() < 0.2) parts.push(pick(extras));
      out.push({ role: 'assistant', content: parts.join(' ') });
    }
  }
  return out;
}

/**
 * The same messages written as a live server interleaves sessions: a turn (2 messages) of each
 * session in turn, for every turn. With one session, its messages in order.
 */
export function* interleavedTurns<T>(sessionIds: readonly string[], messages: readonly T[]): Generator<[sessionId: string, turn: T[]]> {
  for (let t = 0; t < messages.length; t += 2) {
    const turn = messages.slice(t, t + 2);
    for (const id of sessionIds) yield [id, turn];
  }
}
