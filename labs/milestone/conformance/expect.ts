/**
 * The suite's shared pieces: registering a test from the TESTS table (with its
 * skip rules), and the checks several tests make. Failure messages say what
 * the contract wanted, so a learner can act on them.
 */
import { expect, it } from 'vitest';
import type { ChatResult, History, Json, JsonResponse } from './client.ts';
import type { Target } from './target.ts';
import { TESTS, type TestId } from './tests.ts';

/** Register TESTS[id] as a vitest test, skipped (with the reason) when the target cannot run it. */
export function check(target: Target, id: TestId, fn: () => Promise<void>, timeoutMs = 60_000): void {
  const spec = TESTS[id];
  const needs: readonly string[] = 'needs' in spec ? spec.needs : [];
  it(spec.title, async (ctx) => {
    if (needs.includes('spawn') && !target.canRestart) ctx.skip('needs --spawn "<command>" so the suite can restart the server');
    if (needs.includes('faults') && !target.faults) ctx.skip('--no-faults: the server is not on this project\'s simulator');
    await target.ready(); // rejects with the reason if the server never came up
    await fn();
  }, timeoutMs);
}

/** A refusal: the status (one of `statuses`) and a JSON body {"error": code, "message": text}. */
export function expectJsonError(r: JsonResponse | ChatResult, statuses: number[], what: string): void {
  expect(statuses, `${what}: expected HTTP ${statuses.join(' or ')}, got ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`).toContain(r.status);
  const body = r.body as Json | null;
  expect(typeof body === 'object' && body !== null, `${what}: the body must be a JSON object {"error": ..., "message": ...}, got ${JSON.stringify(body).slice(0, 200)}`).toBe(true);
  expect(typeof body?.error, `${what}: "error" must be a string code`).toBe('string');
  expect(typeof body?.message, `${what}: "message" must be a string`).toBe('string');
}

/**
 * The shape every chat stream must have: {session_id} first, then text events,
 * at most one error event, and {done: true} last with nothing after it.
 */
export function expectStreamShape(r: ChatResult, what = 'the stream'): void {
  expect(r.status, `${what}: expected 200, got ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`).toBe(200);
  const events = r.events;
  expect(events.length, `${what}: no events at all`).toBeGreaterThanOrEqual(2);
  expect(typeof events[0].session_id, `${what}: the first event must be {"session_id": "..."}; got ${JSON.stringify(events[0])}`).toBe('string');
  const last = events[events.length - 1];
  expect(last.done, `${what}: the last event must be {"done": true, ...}; got ${JSON.stringify(last)}`).toBe(true);
  const middle = events.slice(1, -1);
  const errors = middle.filter((e) => 'error' in e);
  expect(errors.length, `${what}: at most one error event`).toBeLessThanOrEqual(1);
  for (const e of middle) {
    const ok = typeof e.text === 'string' || (typeof e.error === 'string' && typeof e.message === 'string');
    expect(ok, `${what}: between session_id and done only {"text"} and {"error","message"} events are allowed; got ${JSON.stringify(e)}`).toBe(true);
  }
  if (errors.length) {
    expect(middle[middle.length - 1], `${what}: the error event must come right before done`).toBe(errors[0]);
    expect(['rate_limit', 'api_error', 'unknown'], `${what}: error must be rate_limit, api_error or unknown`).toContain(errors[0].error);
  }
}

/** A completed reply's done event: {done: true, usage: {input, output}} with positive whole numbers. */
export function expectUsage(done: Json | null, what = 'done'): { input: number; output: number } {
  const usage = done?.usage as Json | undefined;
  expect(usage, `${what}: a completed reply's done event carries usage {"input": n, "output": m}; got ${JSON.stringify(done)}`).toBeTypeOf('object');
  expect(Number.isInteger(usage?.input) && (usage?.input as number) > 0, `${what}: usage.input must be a positive integer`).toBe(true);
  expect(Number.isInteger(usage?.output) && (usage?.output as number) > 0, `${what}: usage.output must be a positive integer`).toBe(true);
  return { input: usage?.input as number, output: usage?.output as number };
}

/**
 * The stored history is whole turns: user, assistant, user, assistant, ...
 * Each message has role, content and a parseable created_at. A reply cut short
 * may be stored only if marked "status": "interrupted".
 */
export function expectWholeTurns(h: History, what = 'history'): void {
  expect(Array.isArray(h.messages), `${what}: "messages" must be an array`).toBe(true);
  expect(h.messages.length % 2, `${what}: every user message needs its reply (an odd count means a user message was stored without one): ${summarise(h)}`).toBe(0);
  h.messages.forEach((m, i) => {
    expect(m.role, `${what}: message ${i} should be ${i % 2 ? 'assistant' : 'user'} (whole turns): ${summarise(h)}`).toBe(i % 2 ? 'assistant' : 'user');
    expect(typeof m.content, `${what}: message ${i} content`).toBe('string');
    expect(Number.isNaN(Date.parse(m.created_at)), `${what}: message ${i} created_at must be a date, got ${JSON.stringify(m.created_at)}`).toBe(false);
    if (m.status !== undefined) expect(['complete', 'interrupted'], `${what}: message ${i} status`).toContain(m.status);
  });
}

/** The history after a failed or cut turn: `before` unchanged, plus either nothing or that turn with its reply marked interrupted. */
export function expectUnchangedOrInterrupted(before: History, after: History, userText: string, what: string): void {
  expectWholeTurns(after, what);
  expect(after.messages.slice(0, before.messages.length).map(pick), `${what}: the earlier turns must be untouched`).toEqual(before.messages.map(pick));
  const added = after.messages.slice(before.messages.length);
  if (added.length === 0) return;
  expect(added.length, `${what}: at most the one failed turn may be added; got ${summarise(after)}`).toBe(2);
  expect(added[0].content, `${what}: the added user message`).toBe(userText);
  expect(added[1].status, `${what}: a reply that did not complete may be stored only marked "status": "interrupted"`).toBe('interrupted');
}

export const pick = (m: { role: string; content: string }) => ({ role: m.role, content: m.content });

export function summarise(h: History): string {
  return h.messages.map((m) => `${m.role}${m.status === 'interrupted' ? '(interrupted)' : ''}:${JSON.stringify(m.content.slice(0, 30))}`).join(', ');
}
