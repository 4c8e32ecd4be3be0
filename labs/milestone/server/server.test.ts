/**
 * The reference's own choices, beyond the black-box contract: the abort
 * disconnect policy, the stall watchdog, summarisation, shutdown, deleting a
 * session mid-reply, the OpenAI wire, an HTTP simulator, the request log.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startProviderServer } from '../../../fixtures/sim/index.ts';
import { openStore, type SessionStore } from '../../../modules/persistence/reference/index.ts';
import { resetTokenizerStats, tokenizerStats } from '../../../modules/context/reference/index.ts';
import { createApp } from './app.ts';
import { DEFAULTS } from './config.ts';
import { openProvider } from './provider.ts';
import { chat, chatUntil, eventually, history, stats, turn, type Json } from '../conformance/client.ts';
import { filler } from '../conformance/long.ts';
import { testServer, type TestServer } from './test-helpers.ts';
import { tokensOf } from './history.ts';

const servers: TestServer[] = [];
async function server(options: Parameters<typeof testServer>[0] = {}): Promise<TestServer> {
  const s = await testServer(options);
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.dispose()));
});

const hasText = (r: { text: string }) => r.text.length > 0;

/** Two sessions with the same 150 stored turns (~60 tokens a message, ~18k tokens in all). */
async function twinSessions(store: SessionStore, systemPrompt: string): Promise<string[]> {
  const ids: string[] = [];
  for (let k = 0; k < 2; k++) {
    const { id } = await store.createSession({ systemPrompt });
    for (let n = 1; n <= 150; n++) {
      await store.saveTurn(id, [
        { role: 'user', content: `Note ${n}: ${filler(50)}`, tokens: 60 },
        { role: 'assistant', content: `Noted ${n}.`, tokens: 60 },
      ]);
    }
    ids.push(id);
  }
  return ids;
}

describe('milestone server: reference policies', () => {
  it('on-disconnect abort: the provider request is cut and the part streamed is stored, marked interrupted', async () => {
    const s = await server({ onDisconnect: 'abort', simSpeed: 0.1 });
    const id = (await turn(s.url, 'new', 'Hello')).sessionId ?? '';
    const r = await chat(s.url, id, { message: '[[fault:stall]] Explain RAG in detail' }, { onEvent: (_e, res) => (hasText(res) ? 'hang-up' : undefined) });
    expect(r.hungUp).toBe(true);
    const h = await eventually(async () => {
      const got = await history(s.url, id);
      if (got.messages.length < 4) throw new Error('not stored yet');
      return got;
    });
    expect(h.messages[3]).toMatchObject({ role: 'assistant', status: 'interrupted' });
    expect(h.messages[3].content.startsWith(r.text)).toBe(true);
    expect(s.lines.some((l) => /disconnect \(client left\)/.test(l))).toBe(true);
    expect((await turn(s.url, id, 'Back again')).done).not.toBeNull();
  });

  it('a stalled provider is cancelled by the watchdog: an error event, then done; nothing stored', async () => {
    const s = await server({ stallTimeoutMs: 300, simSpeed: 0.1 });
    const id = (await turn(s.url, 'new', 'Hello')).sessionId ?? '';
    const r = await chat(s.url, id, { message: '[[fault:stall]] Tell me about queues' });
    expect(r.error).toMatchObject({ error: 'api_error', message: expect.stringMatching(/sent nothing for 0.3 s/) });
    expect(r.events.at(-1)).toEqual({ done: true });
    expect((await history(s.url, id)).messages).toHaveLength(2);
  });

  it('summary strategy: old turns become a summary written by the cheap model, so the name survives the window', async () => {
    const s = await server({ contextStrategy: 'summary', contextMaxTokens: 1200, contextKeepTurns: 4 });
    const id = (await turn(s.url, 'new', 'My name is Ajay and I work with DPDK.')).sessionId ?? '';
    for (let n = 2; n <= 12; n++) await turn(s.url, id, `Note ${n}: ${filler(120)}`);
    const last = await turn(s.url, id, 'What is my name?');
    expect(last.text).toMatch(/Ajay/);
    const context = (await stats(s.url, id)).context as Json;
    expect(context).toMatchObject({ strategy: 'summary', window_active: true });
    const summaryCalls = s.provider.sim?.requests.filter((r) => JSON.stringify(r.body).includes('Summarise the earlier part')) ?? [];
    expect(summaryCalls.length).toBeGreaterThan(0);
    expect(JSON.stringify(summaryCalls[0].body)).toContain('claude-haiku-4-5');
    expect((await history(s.url, id)).messages).toHaveLength(26);
  });

  it('the window: once over the limit at most keepTurns turns are sent, counted from the store', async () => {
    const s = await server({ contextMaxTokens: 600, contextKeepTurns: 3 });
    const id = (await turn(s.url, 'new', 'Hello')).sessionId ?? '';
    for (let n = 2; n <= 8; n++) await turn(s.url, id, `Note ${n}: ${filler(100)}`);
    const body = s.provider.sim?.requests.at(-1)?.body as { messages: Array<{ role: string; content: string }> };
    expect(body.messages.filter((m) => m.role === 'user').length).toBeLessThanOrEqual(3);
    expect(body.messages.at(-1)?.content).toMatch(/^Note 8:/);
    expect(((await stats(s.url, id)).context as Json).window_active).toBe(true);
  });

  it('the window reads a long history from its end: the same request as from the whole history, a fraction of it read', async () => {
    // Over the 3,000-token limit.
    const dataDir = mkdtempSync(path.join(tmpdir(), 'milestone-window-read-'));
    const store = await openStore('sqlite', { path: path.join(dataDir, 'sessions.db') });
    const read: Array<{ lastTurns: number | undefined; messages: number }> = [];
    const loadHistory = store.loadHistory.bind(store);
    store.loadHistory = async (id, opts) => {
      const messages = await loadHistory(id, opts);
      read.push({ lastTurns: opts?.lastTurns, messages: messages.length });
      return messages;
    };
    const ids = await twinSessions(store, 'Be brief.');
    const s = await server({ storeInstance: store, dataDir, contextMaxTokens: 3000, contextKeepTurns: 5 });
    try {
      await turn(s.url, ids[0], 'What was note 150?');
      const windowed = s.provider.sim?.requests.at(-1)?.body as { messages: unknown[] };
      expect(read.filter((r) => r.lastTurns === undefined)).toEqual([]);
      expect(read.reduce((n, r) => n + r.messages, 0)).toBeLessThan(100); // of 300 stored

      // The second session read whole: the request must come out the same.
      read.length = 0;
      store.loadHistory = async (id) => {
        const messages = await loadHistory(id);
        read.push({ lastTurns: undefined, messages: messages.length });
        return messages;
      };
      await turn(s.url, ids[1], 'What was note 150?');
      expect(read).toEqual([{ lastTurns: undefined, messages: 300 }]);
      const whole = s.provider.sim?.requests.at(-1)?.body as { messages: unknown[] };
      expect(windowed.messages).toEqual(whole.messages);
      expect(windowed.messages.length).toBe(9); // 4 stored turns + the new message
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('rows stored without a token count are counted once per message, not again by the context strategy', async () => {
    // 40 uncounted turns (~120 tokens each), over the 3,000-token limit: the read from the end counts the
    // last 32 turns' rows, and the window is built from those same rows.
    const dataDir = mkdtempSync(path.join(tmpdir(), 'milestone-uncounted-'));
    const store = await openStore('sqlite', { path: path.join(dataDir, 'sessions.db') });
    const { id } = await store.createSession({ systemPrompt: '' });
    for (let n = 1; n <= 40; n++) {
      await store.saveTurn(id, [
        { role: 'user', content: `Note ${n}: ${filler(50)}` },
        { role: 'assistant', content: `Noted ${n}: ${filler(50)}` },
      ]);
    }
    const s = await server({ storeInstance: store, dataDir, contextMaxTokens: 3000, contextKeepTurns: 5 });
    try {
      resetTokenizerStats();
      tokensOf('user', 'one row', 'o200k_base');
      const perRow = tokenizerStats().encodeCalls; // encode() calls that counting one message makes
      resetTokenizerStats();
      await turn(s.url, id, 'What was note 40?');
      const calls = tokenizerStats().encodeCalls;
      expect(calls).toBeGreaterThanOrEqual(64 * perRow); // the 64 rows of the part read were counted...
      expect(calls).toBeLessThan(64 * perRow + 16); // ...once each (twice: 128 rows' worth), plus the message and the reply
      const sent = s.provider.sim?.requests.at(-1)?.body as { messages: unknown[] };
      expect(sent.messages.length).toBeLessThanOrEqual(9); // the window held
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('summary strategy: once a summary is held, the next message reads from the first turn it does not cover; the same request as from the whole history', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'milestone-summary-read-'));
    const store = await openStore('sqlite', { path: path.join(dataDir, 'sessions.db') });
    const ids = await twinSessions(store, '');
    // Two servers over the same store: one as it is, one whose store always reads the whole history.
    const reads: Array<number | undefined> = [];
    const view = (whole: boolean) =>
      new Proxy(store, {
        get: (target, key) => {
          if (key === 'close') return async () => {};
          if (key === 'loadHistory')
            return async (id: string, opts?: { lastTurns?: number }) => {
              if (!whole) reads.push(opts?.lastTurns);
              return target.loadHistory(id, whole ? {} : opts);
            };
          const value: unknown = Reflect.get(target, key, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    const options = { dataDir, contextStrategy: 'summary' as const, contextMaxTokens: 3000, contextKeepTurns: 5 };
    try {
      const [a, b] = [await server({ ...options, storeInstance: view(false) }), await server({ ...options, storeInstance: view(true) })];
      const bodies: unknown[][] = [];
      for (const [s, id] of [[a, ids[0]], [b, ids[1]]] as const) {
        await turn(s.url, id, 'What was note 150?');
        await turn(s.url, id, 'And note 149?');
        bodies.push((s.provider.sim?.requests ?? []).map((r) => (r.body as { messages: unknown }).messages));
      }
      expect(reads[0]).toBeUndefined(); // no summary yet: read whole
      expect(reads.at(-1)).toBeGreaterThan(0); // with one: read from the end
      expect(bodies[0]).toEqual(bodies[1]); // every request, the summariser's included
      expect(bodies[0].length).toBeGreaterThanOrEqual(3);
    } finally {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('under the limit a long history is still sent whole, though it is read from the end first', async () => {
    const s = await server({ contextMaxTokens: 50_000, contextKeepTurns: 5 });
    const { id } = await s.store.createSession({});
    for (let n = 1; n <= 40; n++) await s.store.saveTurn(id, [{ role: 'user', content: `Note ${n}` }, { role: 'assistant', content: `Noted ${n}.` }]);
    await turn(s.url, id, 'What was note 1?');
    const body = s.provider.sim?.requests.at(-1)?.body as { messages: Array<{ content: string }> };
    expect(body.messages).toHaveLength(81);
    expect(body.messages[0].content).toBe('Note 1');
  });

  it('a message that cannot fit the context limit on its own is refused with 413 before a session is made', async () => {
    const s = await server({ contextMaxTokens: 200 });
    const r = await chat(s.url, 'new', { message: filler(400) });
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ error: 'context_overflow' });
    expect(await s.store.listSessions()).toEqual([]);
  });

  it('shutdown: a running reply is cut after the grace period, saved as interrupted, and the client told', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'milestone-shutdown-'));
    try {
      const s = await testServer({ dataDir, simSpeed: 0.1, shutdownGraceMs: 100 });
      const id = (await turn(s.url, 'new', 'Hello')).sessionId ?? '';
      const stream = chatUntil(s.url, id, { message: '[[fault:stall]] Explain RAG in detail' }, hasText);
      await stream.started;
      const [r] = await Promise.all([stream.finished, s.close()]);
      expect(r.error).toMatchObject({ error: 'unknown', message: expect.stringMatching(/shutting down/) });
      expect(r.events.at(-1)).toEqual({ done: true });
      const again = await testServer({ dataDir });
      try {
        const h = await history(again.url, id);
        expect(h.messages.at(-1)).toMatchObject({ role: 'assistant', status: 'interrupted', content: r.text });
      } finally {
        await again.dispose();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('DELETE during a reply ends the stream (error, then done) and removes the session', async () => {
    const s = await server({ simSpeed: 0.1 });
    const id = (await turn(s.url, 'new', 'Hello')).sessionId ?? '';
    const stream = chatUntil(s.url, id, { message: '[[fault:stall]] Explain RAG in detail' }, hasText);
    await stream.started;
    expect((await fetch(`${s.url}/sessions/${id}`, { method: 'DELETE' })).status).toBe(204);
    const r = await stream.finished;
    expect(r.error).toMatchObject({ error: 'unknown', message: 'The session was deleted.' });
    expect((await fetch(`${s.url}/sessions/${id}/history`)).status).toBe(404);
  });

  it('speaks the OpenAI wire to the simulator, with the same events and error kinds', async () => {
    const s = await server({ simWire: 'openai' });
    const first = await turn(s.url, 'new', 'My name is Ajay.');
    const second = await turn(s.url, first.sessionId ?? '', 'What is my name?');
    expect(second.text).toMatch(/Ajay/);
    expect(s.provider.sim?.requests.at(-1)?.path).toBe('/v1/chat/completions');
    const limited = await chat(s.url, first.sessionId ?? '', { message: '[[fault:rate_limit]] hi' });
    expect(limited.error).toMatchObject({ error: 'rate_limit' });
  });

  it('uses a simulator over HTTP (npm run provider) with --sim-url', async () => {
    const sim = await startProviderServer({ speed: 0 });
    try {
      const s = await server({ simUrl: sim.url });
      expect(s.provider.sim).toBeNull();
      const r = await turn(s.url, 'new', 'Hello');
      expect(r.done).not.toBeNull();
      expect(sim.sim.requests).toHaveLength(1);
    } finally {
      await sim.close();
    }
  });

  it('logs one line per request, and serves the page with safe headers', async () => {
    const s = await server();
    const id = (await turn(s.url, 'new', 'Hello')).sessionId ?? '';
    await fetch(`${s.url}/sessions/${id}/history`);
    await fetch(`${s.url}/nope`);
    const page = await fetch(`${s.url}/`);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect((await fetch(`${s.url}/app.js`)).headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${s.url}/style.css`)).headers.get('content-type')).toMatch(/text\/css/);
    await eventually(async () => expect(s.lines.length).toBe(6));
    expect(s.lines[0]).toMatch(new RegExp(`POST /chat/stream/new 200 session=${id} done \\d+ms`));
    expect(s.lines[1]).toMatch(/GET \/sessions\/.+\/history 200 \d+ms/);
    expect(s.lines[2]).toMatch(/GET \/nope 404/);
  });

  it('createApp is a plain fetch(Request) => Response handler: no server needed', async () => {
    const store = await openStore('sqlite', { path: ':memory:' });
    try {
      const provider = openProvider({ ...DEFAULTS, simSpeed: 0 });
      const app = createApp({ store, adapter: provider.adapter, model: provider.model, summaryModel: provider.summaryModel, maxTokens: 256, context: { strategy: 'window', maxTokens: 50_000, keepTurns: 10 }, onDisconnect: 'finish', stallTimeoutMs: 10_000 });
      const response = await app.fetch(new Request('http://app.local/chat/stream/new', { method: 'POST', body: JSON.stringify({ message: 'My name is Ajay.' }) }));
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const events = (await response.text()).trim().split('\n\n').map((e) => JSON.parse(e.replace(/^data: /, '')) as Json);
      expect(events[0].session_id).toBe(response.headers.get('x-session-id'));
      expect(events.at(-1)).toMatchObject({ done: true, usage: { input: expect.any(Number), output: expect.any(Number) } });
      const h = await app.fetch(new Request(`http://app.local/sessions/${String(events[0].session_id)}/history`));
      expect(((await h.json()) as { messages: unknown[] }).messages).toHaveLength(2);
    } finally {
      await store.close();
    }
  });
});
