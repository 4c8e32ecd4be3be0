import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type SessionStore } from '../../../modules/persistence/reference/index.ts';
import { eventually, sleep } from '../../../test-support/eventually.ts';
import { turn } from '../conformance/client.ts';
import { CHECKPOINT_EVERY_TURNS, SAFETY_NET_PAGES, startCheckpointer } from './checkpointer.ts';
import { DEFAULTS } from './config.ts';
import { openConfiguredStore, sqlitePathOf } from './server.ts';
import { testServer } from './test-helpers.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'checkpointer-test-'));
  dirs.push(dir);
  return dir;
};

/** Enough turns that a default connection (1,000 pages) would have checkpointed several times. */
async function saveTurns(store: SessionStore, turns: number, saved: () => void = () => {}): Promise<void> {
  const { id } = await store.createSession({ systemPrompt: '' });
  for (let i = 0; i < turns; i++) {
    await store.saveTurn(id, [
      { role: 'user', content: `question ${i} `.repeat(20), tokens: 60 },
      { role: 'assistant', content: `answer ${i} `.repeat(60), tokens: 180 },
    ]);
    saved();
  }
}

/** Pages reach the database file only through a checkpoint (until then they are in the WAL): wait for it to grow. */
const fileGrows = (file: string, from: number) => eventually(async () => expect(statSync(file).size).toBeGreaterThan(from), 10_000, 20);

describe('the SQLite checkpointer', () => {
  it("checkpoints from its worker once every `everyTurns` saved turns, while the store's own connection (the safety net) never does", async () => {
    const file = path.join(tempDir(), 'chat.db');
    const store = await openStore('sqlite', { path: file, autoCheckpointPages: SAFETY_NET_PAGES });
    try {
      const before = statSync(file).size;
      await saveTurns(store, 400);
      expect(statSync(file).size).toBe(before); // all of it still in the WAL: no commit checkpointed
      const lines: string[] = [];
      const checkpointer = startCheckpointer(file, { everyTurns: 50, log: (line) => lines.push(line) });
      await saveTurns(store, 49, () => checkpointer.turnSaved());
      await sleep(300);
      expect(statSync(file).size).toBe(before); // 49 turns: not yet
      checkpointer.turnSaved(); // the 50th
      await fileGrows(file, before);
      await checkpointer.close();
      await checkpointer.close(); // twice is fine
      expect(lines).toEqual([]);
      expect((await store.listSessions()).reduce((n, session) => n + session.turns, 0)).toBe(449);
    } finally {
      await store.close();
    }
  });

  it('is needed: with SQLite\'s default threshold the same saves checkpoint on the saving thread', async () => {
    const file = path.join(tempDir(), 'chat.db');
    const store = await openStore('sqlite', { path: file });
    try {
      const before = statSync(file).size;
      await saveTurns(store, 400);
      expect(statSync(file).size).toBeGreaterThan(before);
    } finally {
      await store.close();
    }
  });

  it('reports once when it cannot work, and closes anyway', async () => {
    const lines: string[] = [];
    const checkpointer = startCheckpointer(path.join(tempDir(), 'missing.db'), { log: (line) => lines.push(line) });
    await checkpointer.close();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^SQLite checkpointer: the worker stopped: .+; the server's connection checkpoints the WAL itself past 10,000 pages\.$/);
  });

  it("opens the server's SQLite store with only the safety net on its own connection, and the checkpointer with it", async () => {
    const config = { ...DEFAULTS, dataDir: tempDir(), store: 'sqlite' as const };
    const opened = await openConfiguredStore(config);
    try {
      const before = statSync(sqlitePathOf(config)).size;
      await saveTurns(opened.store, 400);
      expect(statSync(sqlitePathOf(config)).size).toBe(before); // the store's connection did not checkpoint
      for (let i = 0; i < CHECKPOINT_EVERY_TURNS; i++) opened.onTurnSaved?.();
      await fileGrows(sqlitePathOf(config), before); // its checkpointer did
    } finally {
      await opened.close();
    }
  });

  it('checkpoints every 100 turns the server stores, and stops with it', async () => {
    const server = await testServer();
    try {
      const file = sqlitePathOf(server.config);
      const before = statSync(file).size;
      const first = await turn(server.url, 'new', 'Turn 1 of a long session.');
      for (let i = 2; i <= CHECKPOINT_EVERY_TURNS; i++) await turn(server.url, first.sessionId ?? '', `Turn ${i} of a long session.`);
      await fileGrows(file, before);
    } finally {
      await server.dispose();
    }
    expect(server.lines.filter((l) => l.includes('checkpointer'))).toEqual([]);
  });
});
