/** Conformance: the course's acceptance tests (20 turns with context management, 10 turns and a restart), a crash, and load. */
import { describe, expect } from 'vitest';
import { countTokens } from '../../../modules/context/reference/index.ts';
import { chatUntil, history, stats, turn, type Json } from './client.ts';
import { check, expectUnchangedOrInterrupted, expectUsage, expectWholeTurns, pick } from './expect.ts';
import type { Target } from './target.ts';

const WORDS = 'alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu'.split(' ');

/** Filler of about `tokens` tokens (cl100k), with no facts in it for a model to pick up. */
export function filler(tokens: number): string {
  const sample = WORDS.join(' ');
  const perWord = countTokens(` ${sample}`) / WORDS.length;
  const words = Math.max(1, Math.ceil(tokens / perWord));
  return Array.from({ length: words }, (_, i) => WORDS[i % WORDS.length]).join(' ');
}

export function longTests(target: Target): void {
  describe('context', () => {
    check(target, 'context', async () => {
      const first = await turn(target.url, 'new', 'My name is Ajay and I work with DPDK.');
      const id = first.sessionId ?? '';
      const s1 = await stats(target.url, id);
      const context1 = (s1.context ?? {}) as Json;
      // The limits the server reports (the contract's defaults otherwise); messages are sized so the limit is passed around turn keep+2.
      const maxTokens = typeof context1.max_tokens === 'number' ? context1.max_tokens : 50_000;
      const keepTurns = typeof context1.keep_turns === 'number' ? context1.keep_turns : 10;
      expect(context1.window_active, 'window_active after one short turn').toBe(false);
      const padding = filler(Math.ceil(maxTokens / (keepTurns + 2)));
      const inputs: number[] = [expectUsage(first.done).input];
      const active: boolean[] = [false];
      for (let n = 2; n <= 19; n++) {
        const r = await turn(target.url, id, `Note ${n}: ${padding}`);
        inputs.push(expectUsage(r.done, `turn ${n}`).input);
        active.push(((await stats(target.url, id)).context as Json).window_active === true);
      }
      const last = await turn(target.url, id, 'What is my name?');
      inputs.push(expectUsage(last.done, 'turn 20').input);
      const s20 = await stats(target.url, id);
      const context20 = s20.context as Json;
      active.push(context20.window_active === true);

      const tookOver = active.indexOf(true) + 1;
      expect(tookOver, `the window never took over in 20 turns (limit ${maxTokens} tokens; input tokens per turn: ${inputs.join(', ')})`).toBeGreaterThan(1);
      expect(active[19], 'window_active at turn 20').toBe(true);
      // What was sent stays near the limit while the stored history grows far past it.
      const h = await history(target.url, id);
      expectWholeTurns(h);
      expect(h.messages.length, 'the stored history keeps all 20 turns: the window is a view, not a deletion').toBe(40);
      expect(h.messages[0].content).toBe('My name is Ajay and I work with DPDK.');
      expect(h.messages[38].content).toBe('What is my name?');
      const final = inputs[19];
      expect(final, `turn 20 sent ${final} input tokens: with the window it must stay near the ${maxTokens}-token limit (per turn: ${inputs.join(', ')})`).toBeLessThanOrEqual(maxTokens * 1.25);
      expect(Math.max(...inputs), 'input tokens grew with the history until the window took over').toBeGreaterThan(inputs[0]);
      if (typeof context20.tokens_sent_last_turn === 'number') expect(context20.tokens_sent_last_turn, 'stats: tokens_sent_last_turn is what turn 20 sent').toBeLessThanOrEqual(maxTokens * 1.25);
      if (target.faults && (context20.strategy ?? 'window') === 'window') {
        // The simulator knows only what it is sent: the name was in turn 1, which has left the window.
        // (A summary strategy may carry the name on, which is its point: not checked then.)
        expect(last.text, 'turn 1 (the name) must have left the window by turn 20').not.toMatch(/Ajay/);
      }
    }, 180_000);
  });

  describe('persistence', () => {
    check(target, 'restart', async () => {
      const first = await turn(target.url, 'new', 'My name is Ajay and I work with DPDK.', { system_prompt: 'You are a patient assistant.' });
      const id = first.sessionId ?? '';
      for (let n = 2; n <= 10; n++) await turn(target.url, id, `Turn ${n}: tell me one thing about packet processing.`);
      const before = await history(target.url, id);
      expect(before.messages.length).toBe(20);
      await target.restart();
      const after = await history(target.url, id);
      expect(after, 'the history after a restart is exactly what it was').toEqual(before);
      expect((await stats(target.url, id)).turn_count).toBe(10);
      const next = await turn(target.url, id, 'What is my name?');
      expect(next.text, 'the conversation continues with its history after the restart').toMatch(/Ajay/);
      const final = await history(target.url, id);
      expect(final.messages.slice(0, 20)).toEqual(before.messages);
      expect(final.messages.length).toBe(22);
    }, 120_000);

    check(target, 'crash', async () => {
      const first = await turn(target.url, 'new', 'My name is Ajay.');
      const id = first.sessionId ?? '';
      await turn(target.url, id, 'Tell me about ring buffers.');
      await turn(target.url, id, 'And about hugepages?');
      const before = await history(target.url, id);
      const stream = chatUntil(target.url, id, { message: 'Explain RAG in detail' }, (r) => r.text.length > 0);
      stream.finished.catch(() => {}); // the connection dies with the server
      await stream.started;
      await target.crashAndRestart();
      const after = await history(target.url, id);
      expectUnchangedOrInterrupted(before, after, 'Explain RAG in detail', 'the history after SIGKILL mid-stream');
      const next = await turn(target.url, id, 'What is my name?');
      expect(next.text, 'the conversation continues after the crash').toMatch(/Ajay/);
    }, 120_000);
  });

  describe('reliability', () => {
    check(target, 'hundred', async () => {
      const sessions = await Promise.all(
        Array.from({ length: 100 }, async (_, k) => {
          let id = 'new';
          const replies: string[] = [];
          for (let j = 1; j <= 3; j++) {
            const r = await turn(target.url, id, `Session ${k}, message ${j}`);
            id = r.sessionId ?? id;
            replies.push(r.text);
          }
          return { id, k, replies };
        }),
      );
      expect(new Set(sessions.map((s) => s.id)).size, '100 distinct sessions').toBe(100);
      await Promise.all(
        sessions.map(async ({ id, k, replies }) => {
          const h = await history(target.url, id);
          expectWholeTurns(h, `session ${k}`);
          expect(h.messages.map(pick), `session ${k}: complete and in order`).toEqual(
            replies.flatMap((text, j) => [
              { role: 'user', content: `Session ${k}, message ${j + 1}` },
              { role: 'assistant', content: text },
            ]),
          );
        }),
      );
    }, 180_000);
  });
}
