/** Conformance: one generation per session, stop, client disconnects, and provider faults. */
import { describe, expect } from 'vitest';
import { call, chat, chatUntil, eventually, history, turn, type ChatResult } from './client.ts';
import { check, expectJsonError, expectStreamShape, expectUnchangedOrInterrupted, expectUsage, expectWholeTurns } from './expect.ts';
import type { Target } from './target.ts';

/** A long reply: the simulator replays ~550 tokens over ~9 s at speed 1 (a live model takes a while too). */
const LONG = 'Explain RAG in detail';
const hasText = (r: ChatResult) => r.text.length > 0;

/** End a stream, but do not wait forever: a stream that never ends fails the test with a clear message. */
async function ends(finished: Promise<ChatResult>, what: string, ms = 30_000): Promise<ChatResult> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: the stream did not end within ${ms / 1000} s`)), ms)));
  try {
    return await Promise.race([finished, late]);
  } finally {
    clearTimeout(timer);
  }
}

export function controlTests(target: Target): void {
  describe('one at a time', () => {
    check(target, 'busy', async () => {
      const id = (await turn(target.url, 'new', 'Hello')).sessionId ?? '';
      // With the simulator a stalled stream holds the session for sure; otherwise a long reply, retried if it ends too soon.
      const message = target.faults ? '[[fault:stall]] Tell me about streams' : LONG;
      for (let attempt = 1; ; attempt++) {
        const first = chatUntil(target.url, id, { message }, hasText);
        const running = await first.started;
        const second = await chat(target.url, id, { message: 'Me too' });
        if (running.done && attempt < 3) continue; // the first ended before the second arrived: not a test of anything
        expectJsonError(second, [409], 'a second stream on a busy session');
        expect((await history(target.url, id)).messages.map((m) => m.content), 'the refused message is not stored').not.toContain('Me too');
        expect(running.done, 'the first stream carries on').toBeNull();
        if (target.faults) await call(target.url, 'POST', `/sessions/${id}/stop`);
        const done = await ends(first.finished, 'the first stream');
        expectStreamShape(done, 'the first stream');
        if (!target.faults) expect(done.error, 'the first stream was not disturbed').toBeNull();
        return;
      }
    });

    check(target, 'stop', async () => {
      const id = (await turn(target.url, 'new', 'Hello')).sessionId ?? '';
      const idle = await call(target.url, 'POST', `/sessions/${id}/stop`);
      expect(idle.status, `stop with nothing running answers 200, got ${idle.status} ${JSON.stringify(idle.body)}`).toBe(200);
      expectJsonError(await call(target.url, 'POST', '/sessions/conformance-no-such-session-0002/stop'), [404], 'stop on an unknown session');
      const message = target.faults ? `[[fault:stall]] ${LONG}` : LONG;
      for (let attempt = 1; ; attempt++) {
        const before = await history(target.url, id);
        const stream = chatUntil(target.url, id, { message }, hasText);
        const running = await stream.started;
        const stop = await call(target.url, 'POST', `/sessions/${id}/stop`);
        expect(stop.status, `POST /sessions/{id}/stop answers 200, got ${stop.status} ${JSON.stringify(stop.body)}`).toBe(200);
        const r = await ends(stream.finished, 'a stopped stream', 15_000);
        if (!running.done && r.error === null && r.done?.usage && !target.faults && attempt < 3) continue; // it completed before the stop arrived
        expectStreamShape(r, 'a stopped stream');
        const next = await chat(target.url, id, { message: 'After the stop' });
        expect(next.status, `a message right after a stop's done got ${next.status} ${JSON.stringify(next.body)}: the session must be free`).toBe(200);
        const after = await history(target.url, id);
        const upToStop = { ...after, messages: after.messages.slice(0, -2) };
        expectUnchangedOrInterrupted(before, upToStop, message, 'the history after a stop');
        const stopped = upToStop.messages.slice(before.messages.length);
        if (stopped.length) expect(stopped[1].content.startsWith(r.text) || r.text.startsWith(stopped[1].content), 'the stored partial reply is the streamed text').toBe(true);
        return;
      }
    });

    check(target, 'disconnect', async () => {
      let seen = '';
      const r = await chat(target.url, 'new', { message: LONG }, { onEvent: (_e, result) => ((seen = result.text), result.events.filter((e) => 'text' in e).length >= 3 ? 'hang-up' : undefined) });
      const id = r.sessionId ?? '';
      expect(r.hungUp || r.done !== null, 'the stream started').toBe(true);
      // The server must be healthy at once.
      await turn(target.url, 'new', 'Are you still there?');
      const h = await eventually(async () => {
        const got = await history(target.url, id);
        if (got.messages.length < 2) throw new Error(`after a disconnect the reply must be stored (finished, or cut and marked interrupted); the history holds ${got.messages.length} messages`);
        return got;
      }, 45_000);
      expectWholeTurns(h, 'the history after a disconnect');
      expect(h.messages[0].content).toBe(LONG);
      expect(h.messages[1].content.startsWith(seen), 'the stored reply begins with what the client saw').toBe(true);
      const next = await eventually(async () => {
        const n = await chat(target.url, id, { message: 'I am back' });
        if (n.status === 409) throw new Error('the session is still busy after its reply was stored');
        return n;
      });
      expect(next.status).toBe(200);
    });
  });

  describe('faults', () => {
    const cases = [
      ['faultRateLimit', 'rate_limit', ['rate_limit'], false],
      ['faultOverloaded', 'overloaded', ['api_error'], false],
      ['faultServerError', 'server_error', ['api_error'], false],
      ['faultMidStream', 'mid_stream_error', ['api_error'], true],
      ['faultDrop', 'drop', ['api_error', 'unknown'], true],
    ] as const;
    for (const [testId, kind, errors, textFirst] of cases) {
      check(target, testId, async () => {
        const id = (await turn(target.url, 'new', 'My name is Ajay.')).sessionId ?? '';
        const before = await history(target.url, id);
        const message = `[[fault:${kind}]] ${textFirst ? LONG : 'Hello'}`;
        const r = await chat(target.url, id, { message });
        expectStreamShape(r, `fault ${kind}`);
        expect(r.error, `fault ${kind} must produce an error event`).not.toBeNull();
        expect(errors, `fault ${kind}: error kind`).toContain(r.error?.error);
        if (textFirst) expect(r.text.length, `fault ${kind} strikes after some text`).toBeGreaterThan(0);
        expectUnchangedOrInterrupted(before, await history(target.url, id), message, `the history after fault ${kind}`);
        const again = await turn(target.url, id, 'What is my name?');
        expect(again.text, 'the session carries on with its history').toMatch(/Ajay/);
      });
    }

    check(target, 'faultSlow', async () => {
      const r = await turn(target.url, 'new', '[[fault:slow_first_token:300]] Hello');
      expectUsage(r.done);
      const h = await history(target.url, r.sessionId ?? '');
      expect(h.messages.map((m) => m.content)).toEqual(['[[fault:slow_first_token:300]] Hello', r.text]);
    });
  });
}
