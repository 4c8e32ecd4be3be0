/**
 * The SessionStore conformance tests, registered once per backend by
 * persistence.test.ts. They use only the public interface, so the same tests
 * grade SQLite, Redis and the tiered store alike.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionStore, StoredMessage } from './reference/index.ts';
import { rejects, sleep, turn } from './test-helpers.ts';

type Impl = typeof import('./reference/index.ts');

/** One set of data (a database file, a key prefix); open() connects to it (again). */
export interface World {
  open(): Promise<SessionStore>;
  /** Close every store opened and remove the data. */
  dispose(): Promise<void>;
}

export interface Backend {
  name: string;
  /** Can a second store be opened on the same data (a file, a Redis prefix; not ':memory:')? */
  shared: boolean;
  world(): World;
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Every user message is followed by its own assistant message, and seqs run 1, 2, 3, ... */
function expectWholeTurns(history: StoredMessage[], expectedMessages: number): void {
  expect(history).toHaveLength(expectedMessages);
  history.forEach((m, i) => expect(m.seq).toBe(i + 1));
  for (let i = 0; i < history.length; i += 2) {
    expect(history[i].role).toBe('user');
    expect(history[i + 1].role).toBe('assistant');
    expect(history[i + 1].content).toBe(history[i].content.replace(/u(\d+)$/, 'a$1'));
  }
}

export function conformance(impl: Impl, backend: Backend): void {
  let worlds: World[] = [];
  afterEach(async () => {
    const done = worlds;
    worlds = [];
    await Promise.all(done.map((w) => w.dispose()));
  });
  const newWorld = (): World => {
    const w = backend.world();
    worlds.push(w);
    return w;
  };
  const fresh = (): Promise<SessionStore> => newWorld().open();

  it('creates a session with a generated id, an empty history and zeroed stats', async () => {
    const store = await fresh();
    const info = await store.createSession({ systemPrompt: 'You are terse.' });
    expect(info.id).toMatch(UUID);
    expect(info).toMatchObject({ systemPrompt: 'You are terse.', turns: 0, tokensIn: 0, tokensOut: 0 });
    expect(info.createdAt).toMatch(ISO);
    expect(await store.getSession(info.id)).toEqual(info);
    expect(await store.loadHistory(info.id)).toEqual([]);
    const plain = await store.createSession();
    expect(plain.systemPrompt).toBe('');
    expect(plain.id).not.toBe(info.id);
  });

  it('creates a session with a given id, and refuses the same id twice', async () => {
    const store = await fresh();
    const info = await store.createSession({ id: 'my-session_1', systemPrompt: 'first' });
    expect(info.id).toBe('my-session_1');
    const err = await rejects(impl.SessionExistsError, () => store.createSession({ id: 'my-session_1', systemPrompt: 'second' }));
    expect(err.code).toBe('session_exists');
    expect((await store.getSession('my-session_1'))?.systemPrompt).toBe('first');
  });

  it('saves a turn and loads back exactly what saveTurn returned', async () => {
    const store = await fresh();
    const { id } = await store.createSession();
    const stored = await store.saveTurn(id, turn(1));
    expect(stored).toHaveLength(2);
    expect(stored[0]).toMatchObject({ seq: 1, role: 'user', content: 'u1', tokens: 6, usage: null, status: 'complete', clientId: null });
    expect(stored[1]).toMatchObject({ seq: 2, role: 'assistant', content: 'a1', tokens: 8, usage: { input: 101, output: 11 }, status: 'complete' });
    expect(stored[0].createdAt).toMatch(ISO);
    expect(await store.loadHistory(id)).toEqual(stored);
  });

  it('keeps many turns in order with seq 1, 2, 3, ...', async () => {
    const store = await fresh();
    const { id } = await store.createSession();
    for (let n = 1; n <= 12; n++) await store.saveTurn(id, turn(n));
    const history = await store.loadHistory(id);
    expectWholeTurns(history, 24);
    expect(history.map((m) => m.content).slice(0, 4)).toEqual(['u1', 'a1', 'u2', 'a2']);
    expect(history[23].content).toBe('a12');
  });

  it('appendMessage adds one message at a time; a user message starts a turn', async () => {
    const store = await fresh();
    const { id } = await store.createSession();
    const a = await store.appendMessage(id, { role: 'user', content: 'hello' });
    const b = await store.appendMessage(id, { role: 'assistant', content: 'hi there', usage: { input: 3, output: 2 } });
    expect([a.seq, b.seq]).toEqual([1, 2]);
    expect(await store.loadHistory(id)).toEqual([a, b]);
    expect((await store.stats(id)).turns).toBe(1);
  });

  it('stores status, token counts and usage, and round-trips difficult content', async () => {
    const store = await fresh();
    const { id } = await store.createSession();
    const nasty = 'quotes " \' \\ backslash\nnew line\ttab {"seq":99} <|endoftext|> émoji 🎉 中文 \u0000 end';
    const stored = await store.saveTurn(id, [
      { role: 'user', content: nasty, tokens: null },
      { role: 'assistant', content: 'cut off mid-', status: 'interrupted', usage: { input: 12, output: 3 } },
    ]);
    const history = await store.loadHistory(id);
    expect(history).toEqual(stored);
    expect(history[0]).toMatchObject({ content: nasty, tokens: null, usage: null, status: 'complete' });
    expect(history[1]).toMatchObject({ status: 'interrupted', tokens: null, usage: { input: 12, output: 3 } });
  });

  it('loads the last N whole turns', async () => {
    const store = await fresh();
    const { id } = await store.createSession();
    await store.appendMessage(id, { role: 'assistant', content: 'greeting' });
    await store.saveTurn(id, [{ role: 'user', content: 'u1' }, { role: 'assistant', content: 'a1' }]);
    await store.saveTurn(id, [{ role: 'user', content: 'u2' }, { role: 'assistant', content: 'a2a' }, { role: 'assistant', content: 'a2b' }]);
    await store.saveTurn(id, [{ role: 'user', content: 'u3' }, { role: 'assistant', content: 'a3', status: 'interrupted' }]);
    await store.appendMessage(id, { role: 'user', content: 'u4' });
    const last = async (n: number) => (await store.loadHistory(id, { lastTurns: n })).map((m) => m.content);
    expect(await last(1)).toEqual(['u4']);
    expect(await last(2)).toEqual(['u3', 'a3', 'u4']);
    expect(await last(3)).toEqual(['u2', 'a2a', 'a2b', 'u3', 'a3', 'u4']);
    expect(await last(4)).toEqual(['u1', 'a1', 'u2', 'a2a', 'a2b', 'u3', 'a3', 'u4']);
    expect(await last(5)).toEqual(['greeting', 'u1', 'a1', 'u2', 'a2a', 'a2b', 'u3', 'a3', 'u4']);
    expect(await last(100)).toHaveLength(9);
    expect(await last(0)).toEqual([]);
    const tail = await store.loadHistory(id, { lastTurns: 2 });
    expect(tail.map((m) => m.seq)).toEqual([7, 8, 9]);
  });

  it('keeps stats: turns, tokens in and out, created and updated times', async () => {
    const store = await fresh();
    const created = await store.createSession({ systemPrompt: 'sys' });
    await sleep(5);
    await store.saveTurn(created.id, turn(1));
    await store.saveTurn(created.id, turn(2));
    await store.appendMessage(created.id, { role: 'user', content: 'u3' });
    const stats = await store.stats(created.id);
    expect(stats).toMatchObject({ id: created.id, systemPrompt: 'sys', turns: 3, tokensIn: 101 + 102, tokensOut: 11 + 12 });
    expect(stats.createdAt).toBe(created.createdAt);
    expect(stats.updatedAt > created.updatedAt).toBe(true);
    expect(await store.getSession(created.id)).toEqual(stats);
  });

  it('lists sessions, most recently updated first, with a limit', async () => {
    const store = await fresh();
    const a = await store.createSession({ id: 'list-a' });
    await sleep(5);
    await store.createSession({ id: 'list-b' });
    await sleep(5);
    await store.createSession({ id: 'list-c' });
    await sleep(5);
    await store.saveTurn(a.id, turn(1));
    const all = await store.listSessions();
    expect(all.map((s) => s.id)).toEqual(['list-a', 'list-c', 'list-b']);
    expect(all[0].turns).toBe(1);
    expect((await store.listSessions({ limit: 2 })).map((s) => s.id)).toEqual(['list-a', 'list-c']);
  });

  it('a long history (over any batch a store reads at a time) loads whole and by last turns, every message in place, after a clear too', async () => {
    const store = await fresh();
    const { id } = await store.createSession();
    // Turns first..first+count-1, 32 to a saveTurn; returns what the store answered.
    const write = async (first: number, count: number): Promise<StoredMessage[]> => {
      const out: StoredMessage[] = [];
      for (let n = first; n < first + count; n += 32) {
        const batch = Array.from({ length: Math.min(32, first + count - n) }, (_, k) => turn(n + k)).flat();
        out.push(...(await store.saveTurn(id, batch)));
      }
      return out;
    };
    const before = await write(1, 700);
    expect(await store.loadHistory(id)).toEqual(before);
    expect(await store.loadHistory(id, { lastTurns: 555 })).toEqual(before.slice(-1110));
    await store.clearSession(id);
    const after = await write(701, 600);
    expect(after[0].seq).toBe(1401);
    expect(await store.loadHistory(id)).toEqual(after);
    expect(await store.loadHistory(id, { lastTurns: 513 })).toEqual(after.slice(-1026));
  });

  it('clearSession removes the messages, keeps the session, and never reuses a seq', async () => {
    const store = await fresh();
    const { id } = await store.createSession({ systemPrompt: 'keep me' });
    await store.saveTurn(id, turn(1));
    await store.saveTurn(id, turn(2));
    await store.clearSession(id);
    expect(await store.loadHistory(id)).toEqual([]);
    expect(await store.stats(id)).toMatchObject({ systemPrompt: 'keep me', turns: 0, tokensIn: 0, tokensOut: 0 });
    const [next] = await store.saveTurn(id, turn(3));
    expect(next.seq).toBe(5);
    expect((await store.loadHistory(id)).map((m) => m.content)).toEqual(['u3', 'a3']);
  });

  it('deleteSession removes everything; the id can be used again from scratch', async () => {
    const store = await fresh();
    const { id } = await store.createSession({ id: 'doomed', systemPrompt: 'old' });
    await store.saveTurn(id, turn(1), { clientId: 'turn-1' });
    expect(await store.deleteSession(id)).toBe(true);
    expect(await store.getSession(id)).toBeNull();
    await rejects(impl.SessionNotFoundError, () => store.loadHistory(id));
    expect(await store.listSessions()).toEqual([]);
    expect(await store.deleteSession(id)).toBe(false);
    const again = await store.createSession({ id: 'doomed' });
    expect(again.systemPrompt).toBe('');
    expect(await store.loadHistory(id)).toEqual([]);
    const [first] = await store.saveTurn(id, turn(1), { clientId: 'turn-1' });
    expect(first.seq).toBe(1);
    expect(await store.loadHistory(id)).toHaveLength(2);
  });

  it('unknown sessions: SessionNotFoundError (or null/false), and nothing is created', async () => {
    const store = await fresh();
    const ghost = 'no-such-session';
    expect(await store.getSession(ghost)).toBeNull();
    const err = await rejects(impl.SessionNotFoundError, () => store.saveTurn(ghost, turn(1)));
    expect(err.code).toBe('session_not_found');
    expect(err.message).toContain(ghost);
    await rejects(impl.SessionNotFoundError, () => store.appendMessage(ghost, { role: 'user', content: 'hi' }));
    await rejects(impl.SessionNotFoundError, () => store.loadHistory(ghost));
    await rejects(impl.SessionNotFoundError, () => store.loadHistory(ghost, { lastTurns: 2 }));
    await rejects(impl.SessionNotFoundError, () => store.stats(ghost));
    await rejects(impl.SessionNotFoundError, () => store.clearSession(ghost));
    expect(await store.deleteSession(ghost)).toBe(false);
    expect(await store.getSession(ghost)).toBeNull();
    expect(await store.listSessions()).toEqual([]);
  });

  describe('idempotent writes', () => {
    it('a retried saveTurn with the same client id is stored once and answered with the original', async () => {
      const store = await fresh();
      const { id } = await store.createSession();
      const first = await store.saveTurn(id, turn(1), { clientId: 'turn-0001' });
      expect(first[0].clientId).toBe('turn-0001');
      await sleep(3);
      const retry = await store.saveTurn(id, turn(1), { clientId: 'turn-0001' });
      expect(retry).toEqual(first);
      expect(await store.loadHistory(id)).toEqual(first);
      expect(await store.stats(id)).toMatchObject({ turns: 1, tokensIn: 101, tokensOut: 11 });
      const other = await store.saveTurn(id, turn(2), { clientId: 'turn-0002' });
      expect(other.map((m) => m.seq)).toEqual([3, 4]);
    });

    it("a message's own client id makes appendMessage and saveTurn idempotent", async () => {
      const store = await fresh();
      const { id } = await store.createSession();
      const m1 = await store.appendMessage(id, { role: 'user', content: 'hello', clientId: 'msg-1' });
      const m1again = await store.appendMessage(id, { role: 'user', content: 'hello', clientId: 'msg-1' });
      expect(m1again).toEqual(m1);
      const t = [{ role: 'user' as const, content: 'u2', clientId: 'msg-2' }, { role: 'assistant' as const, content: 'a2' }];
      const first = await store.saveTurn(id, t);
      expect(await store.saveTurn(id, t)).toEqual(first);
      expect((await store.loadHistory(id)).map((m) => m.content)).toEqual(['hello', 'u2', 'a2']);
    });

    it('concurrent retries of one turn store it once', async () => {
      const store = await fresh();
      const { id } = await store.createSession();
      const results = await Promise.all(Array.from({ length: 6 }, () => store.saveTurn(id, turn(1), { clientId: 'same-turn' })));
      for (const r of results) expect(r).toEqual(results[0]);
      expect(await store.loadHistory(id)).toEqual(results[0]);
    });
  });

  describe('concurrent writers', () => {
    it('concurrent saveTurn calls on one session never interleave a turn', async () => {
      const store = await fresh();
      const { id } = await store.createSession();
      await Promise.all(Array.from({ length: 20 }, (_, n) => store.saveTurn(id, turn(n + 1, `w${n}-`))));
      const history = await store.loadHistory(id);
      expectWholeTurns(history, 40);
      expect(new Set(history.map((m) => m.content)).size).toBe(40);
      expect((await store.stats(id)).turns).toBe(20);
    });

    if (backend.shared) {
      it('two connections writing one session never interleave a turn, and see each other', async () => {
        const world = newWorld();
        const one = await world.open();
        const two = await world.open();
        const { id } = await one.createSession();
        await Promise.all(
          Array.from({ length: 10 }, (_, n) => [one.saveTurn(id, turn(n + 1, 'one-')), two.saveTurn(id, turn(n + 1, 'two-'))]).flat(),
        );
        const fromOne = await one.loadHistory(id);
        expectWholeTurns(fromOne, 40);
        expect(await two.loadHistory(id)).toEqual(fromOne);
        for (const who of ['one-', 'two-']) {
          const mine = fromOne.filter((m) => m.role === 'user' && m.content.startsWith(who)).map((m) => m.content);
          expect(mine).toHaveLength(10);
        }
      });

      it('what was saved is there after the store is closed and opened again', async () => {
        const world = newWorld();
        const first = await world.open();
        const { id } = await first.createSession({ systemPrompt: 'persist me' });
        await first.saveTurn(id, turn(1), { clientId: 'c1' });
        await first.saveTurn(id, turn(2));
        const history = await first.loadHistory(id);
        const stats = await first.stats(id);
        await first.close();
        const second = await world.open();
        expect(await second.loadHistory(id)).toEqual(history);
        expect(await second.stats(id)).toEqual(stats);
        expect(await second.saveTurn(id, turn(1), { clientId: 'c1' })).toEqual(history.slice(0, 2));
        expect((await second.saveTurn(id, turn(3)))[0].seq).toBe(5);
      });
    }
  });

  describe('bad input: a typed error, and nothing written', () => {
    async function withSession(run: (store: SessionStore, id: string) => Promise<void>): Promise<void> {
      const store = await fresh();
      const { id } = await store.createSession();
      await store.saveTurn(id, turn(1));
      const before = { info: await store.getSession(id), history: await store.loadHistory(id) };
      await sleep(2);
      await run(store, id);
      expect(await store.getSession(id)).toEqual(before.info);
      expect(await store.loadHistory(id)).toEqual(before.history);
    }

    it('empty or blank content', async () => {
      await withSession(async (store, id) => {
        for (const content of ['', '   ', '\n\t']) {
          const err = await rejects(impl.InvalidMessageError, () => store.appendMessage(id, { role: 'user', content }));
          expect(err.code).toBe('invalid_message');
          expect(err.field).toBe('messages[0].content');
        }
        await rejects(impl.InvalidMessageError, () => store.saveTurn(id, [{ role: 'user', content: 'fine' }, { role: 'assistant', content: '' }]));
      });
    });

    it(`oversized content (limit: MAX_CONTENT_BYTES of UTF-8), while content at the limit is stored`, async () => {
      await withSession(async (store, id) => {
        const limit = impl.MAX_CONTENT_BYTES;
        await rejects(impl.InvalidMessageError, () => store.appendMessage(id, { role: 'user', content: 'x'.repeat(limit + 1) }));
        // Fewer characters than the limit, more bytes: the limit is in bytes.
        const wide = 'é'.repeat(limit / 2) + 'x';
        expect(wide.length).toBeLessThan(limit);
        const err = await rejects(impl.InvalidMessageError, () => store.saveTurn(id, [{ role: 'user', content: 'ok' }, { role: 'assistant', content: wide }]));
        expect(err.message).toContain(String(limit));
      });
      const store = await fresh();
      const { id } = await store.createSession();
      const big = 'y'.repeat(impl.MAX_CONTENT_BYTES);
      await store.appendMessage(id, { role: 'user', content: big });
      expect((await store.loadHistory(id))[0].content).toBe(big);
    });

    it('unknown roles, statuses, and malformed messages', async () => {
      await withSession(async (store, id) => {
        for (const role of ['system', 'tool', 'User', '', undefined]) {
          const bad = { role, content: 'hi' } as unknown as Parameters<SessionStore['appendMessage']>[1];
          const err = await rejects(impl.InvalidMessageError, () => store.appendMessage(id, bad));
          expect(err.field).toBe('messages[0].role');
        }
        const cast = (m: unknown) => m as Parameters<SessionStore['appendMessage']>[1];
        await rejects(impl.InvalidMessageError, () => store.appendMessage(id, cast({ role: 'user', content: 42 })));
        await rejects(impl.InvalidMessageError, () => store.appendMessage(id, cast({ role: 'assistant', content: 'x', status: 'done' })));
        await rejects(impl.InvalidMessageError, () => store.appendMessage(id, cast({ role: 'assistant', content: 'x', tokens: -1 })));
        await rejects(impl.InvalidMessageError, () => store.appendMessage(id, cast({ role: 'assistant', content: 'x', tokens: 1.5 })));
        await rejects(impl.InvalidMessageError, () => store.appendMessage(id, cast({ role: 'assistant', content: 'x', usage: { input: 1 } })));
        await rejects(impl.InvalidMessageError, () => store.appendMessage(id, cast({ role: 'user', content: 'x', usage: { input: 1, output: 1 } })));
        await rejects(impl.InvalidMessageError, () => store.appendMessage(id, cast({ role: 'user', content: 'x', clientId: 'has space' })));
        await rejects(impl.InvalidMessageError, () => store.appendMessage(id, cast(null)));
      });
    });

    it('a turn with one bad message stores none of it; an empty turn is refused', async () => {
      await withSession(async (store, id) => {
        const err = await rejects(impl.InvalidMessageError, () =>
          store.saveTurn(id, [{ role: 'user', content: 'good' }, { role: 'robot', content: 'bad' } as unknown as Parameters<SessionStore['appendMessage']>[1]]),
        );
        expect(err.field).toBe('messages[1].role');
        await rejects(impl.InvalidMessageError, () => store.saveTurn(id, []));
        await rejects(impl.InvalidMessageError, () => store.saveTurn(id, turn(2), { clientId: '' }));
      });
    });

    it('bad session ids and options: InvalidArgumentError', async () => {
      await withSession(async (store, id) => {
        for (const bad of ['', 'has space', '../etc/passwd', 'a:b', 'x'.repeat(129)]) {
          const err = await rejects(impl.InvalidArgumentError, () => store.createSession({ id: bad }));
          expect(err.code).toBe('invalid_argument');
          await rejects(impl.InvalidArgumentError, () => store.loadHistory(bad));
          await rejects(impl.InvalidArgumentError, () => store.saveTurn(bad, turn(1)));
        }
        await rejects(impl.InvalidArgumentError, () => store.loadHistory(id, { lastTurns: -1 }));
        await rejects(impl.InvalidArgumentError, () => store.loadHistory(id, { lastTurns: 1.5 }));
        await rejects(impl.InvalidArgumentError, () => store.listSessions({ limit: 0 }));
        expect((await store.listSessions()).map((s) => s.id)).toEqual([id]);
      });
    });
  });

  it('a closed store refuses calls with a StoreError (code "closed")', async () => {
    const store = await fresh();
    const { id } = await store.createSession();
    await store.close();
    const err = await rejects(impl.StoreError, () => store.loadHistory(id));
    expect(err.code).toBe('closed');
    await store.close(); // closing twice is harmless
  });
}
