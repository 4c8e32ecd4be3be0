import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type LoadHistoryOptions, type SessionStore, type StoredMessage } from '../../../modules/persistence/reference/index.ts';
import { HistoryTallies, type HistoryTally } from './tallies.ts';

const count = (m: StoredMessage) => m.tokens ?? 1;

describe('HistoryTallies: /stats reads only what was written since', () => {
  let dir: string;
  let store: SessionStore;
  const reads: Array<{ lastTurns: number | undefined; messages: number }> = [];

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tallies-'));
    store = await openStore('sqlite', { path: path.join(dir, 'sessions.db') });
    const load = store.loadHistory.bind(store);
    store.loadHistory = async (id: string, opts?: LoadHistoryOptions) => {
      const messages = await load(id, opts);
      reads.push({ lastTurns: opts?.lastTurns, messages: messages.length });
      return messages;
    };
    reads.length = 0;
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const turn = (id: string, n: number, usage: number | null = 100 + n) =>
    store.saveTurn(id, [
      { role: 'user', content: `q${n}`, tokens: 10 },
      { role: 'assistant', content: `a${n}`, tokens: 20, usage: usage === null ? null : { input: usage, output: 5 } },
    ]);
  const tallyOf = async (tallies: HistoryTallies, id: string): Promise<HistoryTally> => {
    const t = await tallies.of(store, (await store.getSession(id))!);
    return { tokens: t.tokens, throughLastUser: t.throughLastUser, lastUsageInput: t.lastUsageInput };
  };
  /** What a fresh tally (one whole read) says: the reference. */
  const fromScratch = (id: string) => tallyOf(new HistoryTallies(count), id);

  it('counts the history, then reads only the new turns and the last one seen', async () => {
    const { id } = await store.createSession({});
    for (let n = 1; n <= 50; n++) await turn(id, n);
    const tallies = new HistoryTallies(count);
    expect(await tallyOf(tallies, id)).toEqual({ tokens: 1500, throughLastUser: 1480, lastUsageInput: 150 });
    expect(reads).toEqual([{ lastTurns: undefined, messages: 100 }]);

    reads.length = 0;
    await turn(id, 51);
    await turn(id, 52, null);
    expect(await tallyOf(tallies, id)).toEqual({ tokens: 1560, throughLastUser: 1540, lastUsageInput: null });
    expect(reads).toEqual([{ lastTurns: 3, messages: 6 }]);
    expect(await tallyOf(tallies, id)).toEqual(await fromScratch(id));
  });

  it('sees a message added to the last turn, and a history that ends with a user message', async () => {
    const { id } = await store.createSession({});
    await turn(id, 1);
    const tallies = new HistoryTallies(count);
    await tallyOf(tallies, id);
    await store.appendMessage(id, { role: 'assistant', content: 'and more', tokens: 7, usage: { input: 9, output: 1 } });
    expect(await tallyOf(tallies, id)).toEqual({ tokens: 37, throughLastUser: 10, lastUsageInput: 9 });
    await store.appendMessage(id, { role: 'user', content: 'q2', tokens: 4 });
    expect(await tallyOf(tallies, id)).toEqual({ tokens: 41, throughLastUser: 41, lastUsageInput: null });
    expect(await tallyOf(tallies, id)).toEqual(await fromScratch(id));
  });

  it('starts again from a whole read when the history was cleared, even if it has since grown past the old length', async () => {
    const { id } = await store.createSession({});
    for (let n = 1; n <= 3; n++) await turn(id, n);
    const tallies = new HistoryTallies(count);
    await tallyOf(tallies, id);
    await store.clearSession(id);
    for (let n = 1; n <= 5; n++) await store.saveTurn(id, [{ role: 'user', content: `new ${n}`, tokens: 1 }, { role: 'assistant', content: `r ${n}`, tokens: 2 }]);
    expect(await tallyOf(tallies, id)).toEqual({ tokens: 15, throughLastUser: 13, lastUsageInput: null });
    expect(await tallyOf(tallies, id)).toEqual(await fromScratch(id));
    await store.clearSession(id);
    expect(await tallyOf(tallies, id)).toEqual({ tokens: 0, throughLastUser: null, lastUsageInput: null });
  });

  it('does not mistake a session made again under the same id for the old one (its seq numbers start over)', async () => {
    const id = '3f0c9d4e-1b2a-4c5d-8e7f-9a0b1c2d3e4f';
    await store.createSession({ id });
    for (let n = 1; n <= 2; n++) await turn(id, n);
    const tallies = new HistoryTallies(count);
    await tallyOf(tallies, id);
    await store.deleteSession(id);
    await new Promise((resolve) => setTimeout(resolve, 5)); // another createdAt
    await store.createSession({ id });
    for (let n = 1; n <= 3; n++) await store.saveTurn(id, [{ role: 'user', content: `new ${n}`, tokens: 1 }, { role: 'assistant', content: `r ${n}`, tokens: 2 }]);
    expect(await tallyOf(tallies, id)).toEqual({ tokens: 9, throughLastUser: 7, lastUsageInput: null });
  });
});
