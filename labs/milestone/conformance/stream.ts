/** Conformance: the stream, the session endpoints and the page. */
import { describe, expect } from 'vitest';
import { call, chat, history, stats, turn, type Json } from './client.ts';
import { check, expectJsonError, expectStreamShape, expectUsage, expectWholeTurns, pick } from './expect.ts';
import type { Target } from './target.ts';

export function streamTests(target: Target): void {
  describe('stream', () => {
    check(target, 'newSession', async () => {
      const r = await chat(target.url, 'new', { message: 'Hello there' });
      expectStreamShape(r, 'POST /chat/stream/new');
      expect(r.error, `no error expected: ${JSON.stringify(r.error)}`).toBeNull();
      expect(r.events.filter((e) => typeof e.text === 'string').length, 'at least one {"text": ...} event').toBeGreaterThan(0);
      expect(r.text.length).toBeGreaterThan(0);
      expectUsage(r.done);
    });

    check(target, 'headers', async () => {
      const r = await chat(target.url, 'new', { message: 'Hello' });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type') ?? '', 'Content-Type').toMatch(/^text\/event-stream\b/);
      expect(r.headers.get('cache-control') ?? '', 'Cache-Control').toMatch(/no-cache/);
      expect((r.headers.get('x-accel-buffering') ?? '').toLowerCase(), 'X-Accel-Buffering (nginx would buffer the stream otherwise)').toBe('no');
      expect(r.headers.get('x-session-id'), 'X-Session-Id must name the session, like the first event').toBe(r.sessionId);
    });

    check(target, 'ids', async () => {
      const ids = await Promise.all([1, 2, 3].map(async () => (await turn(target.url, 'new', 'Hi')).sessionId ?? ''));
      expect(new Set(ids).size, `three new sessions must get three ids: ${ids.join(', ')}`).toBe(3);
      for (const id of ids) {
        expect(id, 'ids are URL-safe: letters, digits, - and _').toMatch(/^[A-Za-z0-9_-]+$/);
        expect(id.length, `"${id}" is too short to be unguessable (use e.g. a random UUID)`).toBeGreaterThanOrEqual(16);
        expect(/^\d+$/.test(id), `"${id}" looks like a counter: ids must be unguessable`).toBe(false);
      }
    });

    check(target, 'remembers', async () => {
      const first = await turn(target.url, 'new', 'My name is Ajay and I work with DPDK.');
      const id = first.sessionId ?? '';
      const second = await turn(target.url, id, 'What is my name?');
      expect(second.sessionId, 'the first event names the same session').toBe(id);
      expect(second.text, 'the reply should know the name from the earlier turn: the whole history must be sent').toMatch(/Ajay/);
    });

    check(target, 'unknownSession', async () => {
      const id = 'conformance-no-such-session-0001';
      const r = await chat(target.url, id, { message: 'Hello' });
      expectJsonError(r, [404], `POST /chat/stream/${id}`);
      expectJsonError(await call(target.url, 'GET', `/sessions/${id}/history`), [404], 'its history afterwards (nothing may be created)');
    });

    check(target, 'systemPrompt', async () => {
      const prompt = "You are terse. The user's name is Priya.";
      const r = await turn(target.url, 'new', 'Hello', { system_prompt: prompt });
      const id = r.sessionId ?? '';
      expect((await history(target.url, id)).system_prompt).toBe(prompt);
      const again = await turn(target.url, id, 'What is my name?');
      expect(again.text, 'the system prompt must be sent with every message').toMatch(/Priya/);
    });

    check(target, 'systemPromptLater', async () => {
      const id = (await turn(target.url, 'new', 'Hello')).sessionId ?? '';
      const before = await history(target.url, id);
      const r = await chat(target.url, id, { message: 'Hello again', system_prompt: 'You are a pirate.' });
      expectJsonError(r, [409], 'system_prompt on a later message');
      expect(await history(target.url, id)).toEqual(before);
    });

    check(target, 'doneAfterStore', async () => {
      let id = 'new';
      for (let i = 1; i <= 6; i++) {
        const r = await turn(target.url, id, `Quick message number ${i}`);
        id = r.sessionId ?? id;
        // The moment done is read: the next message must be accepted and the history must hold this turn.
        const [h, next] = await Promise.all([history(target.url, id), i < 6 ? chat(target.url, id, { message: `Probe ${i}` }) : Promise.resolve(null)]);
        const users = h.messages.filter((m) => m.role === 'user').map((m) => m.content);
        expect(users, `turn ${i} must be in the history as soon as done arrives`).toContain(`Quick message number ${i}`);
        if (next) {
          expect(next.status, `a message sent the moment done arrived got ${next.status} ${JSON.stringify(next.body)}: release the session before writing done`).toBe(200);
          expect(next.done).not.toBeNull();
        }
      }
    });
  });

  describe('sessions', () => {
    check(target, 'history', async () => {
      const a = await turn(target.url, 'new', 'First message', { system_prompt: 'Be brief.' });
      const id = a.sessionId ?? '';
      const b = await turn(target.url, id, 'Second message');
      const h = await history(target.url, id);
      expect(h.session_id).toBe(id);
      expect(h.system_prompt).toBe('Be brief.');
      expectWholeTurns(h);
      expect(h.messages.map(pick)).toEqual([
        { role: 'user', content: 'First message' },
        { role: 'assistant', content: a.text },
        { role: 'user', content: 'Second message' },
        { role: 'assistant', content: b.text },
      ]);
      const times = h.messages.map((m) => Date.parse(m.created_at));
      expect([...times].sort((x, y) => x - y), 'created_at in order').toEqual(times);
    });

    check(target, 'stats', async () => {
      const a = await turn(target.url, 'new', 'Hello');
      const id = a.sessionId ?? '';
      const b = await turn(target.url, id, 'Tell me something');
      const s = await stats(target.url, id);
      const ua = expectUsage(a.done);
      const ub = expectUsage(b.done);
      expect(s.turn_count, 'turn_count').toBe(2);
      expect(s.total_tokens, 'total_tokens: the sums of the done events\' usage').toEqual({ input: ua.input + ub.input, output: ua.output + ub.output });
      expect(Number.isNaN(Date.parse(String(s.created_at))), 'created_at is a date').toBe(false);
      expect(typeof s.age_seconds === 'number' && s.age_seconds >= 0, 'age_seconds: a number >= 0').toBe(true);
      const context = s.context as Json;
      expect(context, 'context: {strategy, window_active, tokens_sent_last_turn, ...}').toBeTypeOf('object');
      expect(typeof context.strategy, 'context.strategy').toBe('string');
      expect(context.window_active, 'context.window_active: false for a short conversation').toBe(false);
      expect(Number.isInteger(context.tokens_sent_last_turn) && (context.tokens_sent_last_turn as number) > 0, 'context.tokens_sent_last_turn: a positive integer').toBe(true);
    });

    check(target, 'remove', async () => {
      const id = (await turn(target.url, 'new', 'Hello')).sessionId ?? '';
      const r = await call(target.url, 'DELETE', `/sessions/${id}`);
      expect(r.status, 'DELETE answers 204 No Content').toBe(204);
      expectJsonError(await call(target.url, 'GET', `/sessions/${id}/history`), [404], 'history of a deleted session');
      expectJsonError(await call(target.url, 'GET', `/sessions/${id}/stats`), [404], 'stats of a deleted session');
      expectJsonError(await chat(target.url, id, { message: 'Hello?' }), [404], 'a message to a deleted session');
      expectJsonError(await call(target.url, 'DELETE', `/sessions/${id}`), [404], 'deleting it again');
    });

    check(target, 'page', async () => {
      const response = await fetch(`${target.url}/`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type') ?? '').toMatch(/text\/html/);
      expect(await response.text()).toMatch(/<html/i);
    });
  });
}
