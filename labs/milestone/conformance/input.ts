/** Conformance: bad input is refused with a JSON error and the right status, stores nothing and harms nothing. */
import { describe, expect } from 'vitest';
import { call, chat, history, turn, type History } from './client.ts';
import { check, expectJsonError } from './expect.ts';
import type { Target } from './target.ts';

export function inputTests(target: Target): void {
  describe('bad input', () => {
    // Every refusal is aimed at this session too, and must leave it exactly as it was (made by the first test that needs it).
    let id = '';
    let before: History;
    let made: Promise<void> | null = null;
    const session = () =>
      (made ??= (async () => {
        id = (await turn(target.url, 'new', 'A session for the bad-input tests')).sessionId ?? '';
        before = await history(target.url, id);
      })());
    const unchanged = async (what: string) => expect(await history(target.url, id), `${what} must store nothing`).toEqual(before);

    check(target, 'invalidJson', async () => {
      await session();
      for (const raw of ['{"message": "Hi"', 'message=Hi', '', '{"message": "Hi"}}']) {
        expectJsonError(await chat(target.url, id, null, { raw }), [400], `body ${JSON.stringify(raw)}`);
        expectJsonError(await chat(target.url, 'new', null, { raw }), [400], `body ${JSON.stringify(raw)} to /chat/stream/new`);
      }
      await unchanged('invalid JSON');
    });

    check(target, 'badMessage', async () => {
      await session();
      const bodies: unknown[] = [{}, { message: '' }, { message: '   \n ' }, { message: 42 }, { message: null }, { message: ['Hi'] }, { message: { text: 'Hi' } }, ['Hi'], 'Hi', null, 7, { text: 'Hi' }];
      for (const body of bodies) {
        expectJsonError(await chat(target.url, id, body), [400], `body ${JSON.stringify(body)}`);
        expectJsonError(await chat(target.url, 'new', body), [400], `body ${JSON.stringify(body)} to /chat/stream/new`);
      }
      expectJsonError(await chat(target.url, 'new', { message: 'Hi', system_prompt: 42 }), [400], 'a non-string system_prompt');
      await unchanged('a bad message');
    });

    check(target, 'longMessage', async () => {
      await session();
      const message = 'a'.repeat(64 * 1024 + 1);
      expectJsonError(await chat(target.url, id, { message }), [413, 400], 'a 64 KiB + 1 byte message');
      const multibyte = 'é'.repeat(32 * 1024 + 1); // 32,769 characters, 65,538 bytes of UTF-8: the limit is in bytes
      expectJsonError(await chat(target.url, id, { message: multibyte }), [413, 400], 'a message of 32,769 "é" (65,538 bytes)');
      await unchanged('a message over the limit');
    });

    check(target, 'bigBody', async () => {
      await session();
      const padding = 'x'.repeat(1024 * 1024);
      expectJsonError(await chat(target.url, id, null, { raw: JSON.stringify({ message: 'Hi', padding }) }), [413], 'a 1 MiB + body');
      await unchanged('an oversized body');
    });

    check(target, 'badIds', async () => {
      await session();
      const bad = ['a'.repeat(129), 'has%20space', 'dot.dot', 'a%2Fb', 'semi%3Bcolon', 'quote%22', '%C3%A9t%C3%A9'];
      for (const b of bad) {
        expectJsonError(await chat(target.url, b, { message: 'Hi' }), [400, 404], `POST /chat/stream/${b}`);
        expectJsonError(await call(target.url, 'GET', `/sessions/${b}/history`), [400, 404], `GET /sessions/${b}/history`);
        expectJsonError(await call(target.url, 'GET', `/sessions/${b}/stats`), [400, 404], `GET /sessions/${b}/stats`);
        expectJsonError(await call(target.url, 'DELETE', `/sessions/${b}`), [400, 404], `DELETE /sessions/${b}`);
        expectJsonError(await call(target.url, 'POST', `/sessions/${b}/stop`), [400, 404], `POST /sessions/${b}/stop`);
      }
    });

    check(target, 'routes', async () => {
      await session();
      for (const [method, route] of [['GET', '/nope'], ['POST', '/chat/stream'], ['POST', '/chat'], ['GET', '/sessions'], ['GET', `/sessions/${id}/nope`], ['POST', `/chat/stream/${id}/more`]]) {
        expectJsonError(await call(target.url, method, route), [404], `${method} ${route}`);
      }
      for (const [method, route] of [['GET', `/chat/stream/${id}`], ['PUT', `/chat/stream/${id}`], ['POST', `/sessions/${id}/history`], ['DELETE', `/sessions/${id}/history`], ['PUT', `/sessions/${id}/stats`], ['PATCH', `/sessions/${id}`], ['GET', `/sessions/${id}/stop`]]) {
        expectJsonError(await call(target.url, method, route, method === 'GET' ? undefined : '{}'), [405], `${method} ${route}`);
      }
      await unchanged('unknown routes and methods');
    });

    check(target, 'unharmed', async () => {
      await session();
      const again = await turn(target.url, id, 'Still there?');
      expect(again.sessionId).toBe(id);
      const h = await history(target.url, id);
      expect(h.messages.slice(0, before.messages.length)).toEqual(before.messages);
      expect(h.messages.length).toBe(before.messages.length + 2);
    });
  });
}
