/**
 * The benchmarks' plumbing, at tiny sizes: each cheap bench's core runs and
 * produces well-formed rows, so `npm test` catches a broken bench. Nothing
 * here asserts a timing; the expensive benches (server, grader) are checked
 * through their row builders only.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { useRedis } from '../test-support/services.ts';
import { contextRow, measureContext } from './context-window.ts';
import { chatCorpus, interleavedTurns } from './corpus.ts';
import { graderRows } from './grader.ts';
import { growthExponent, growthRows, measureGrowth } from './growth.ts';
import { compare, fmtMs } from './measure.ts';
import { summarisePauses } from './child-protocol.ts';
import { measureServer } from './milestone-server.ts';
import { SimChild } from './server-process.ts';
import { serverRows } from './server-rows.ts';
import { measureRedis, redisRow } from './redis-store.ts';
import { measureServerHistory, serverHistoryRows } from './server-history.ts';
import { benches, mergeResults, resultsMarkdown } from './registry.ts';
import { RespCommandReader } from './round-trips.ts';
import { memoryRow } from './server-memory.ts';
import { runStream, streamingAgent } from './stream-client.ts';
import { measureSqlite, sqliteRows } from './sqlite-store.ts';
import { measureTokenizers, tokenizerRow } from './tokenizers.ts';
import { quantileDifferenceInterval, type BenchRow } from './types.ts';
import { seededRandom } from '../fixtures/sim/random.ts';

const tiny = { rounds: 1, time: 1, iterations: 2, warmup: false } as const;

function expectWellFormed(rows: BenchRow[]): void {
  expect(rows.length).toBeGreaterThan(0);
  for (const row of rows) {
    for (const field of ['what', 'baseline', 'result', 'target'] as const) {
      expect(typeof row[field]).toBe('string');
      expect(row[field].length).toBeGreaterThan(0);
    }
    expect([true, false, null]).toContain(row.met);
    for (const value of Object.values(row.data)) {
      const ok = typeof value === 'string' || typeof value === 'number' || (Array.isArray(value) && value.every((v) => typeof v === 'number'));
      expect(ok).toBe(true);
    }
    expect(() => JSON.stringify(row)).not.toThrow();
  }
}

describe('bench plumbing', () => {
  it('puts a 90% interval from resampling around a p99 difference: it covers the true shift, repeats, and narrows with more streams', () => {
    const rand = seededRandom(7);
    // Exponential tails (mean 10 ms), the second path 3 ms later: the true p99 difference is 3.
    const sample = (n: number, shift: number) => Array.from({ length: n }, () => shift - 10 * Math.log(1 - rand()));
    const [server, direct] = [sample(5000, 3), sample(1000, 0)];
    const range = quantileDifferenceInterval(server, direct, 0.99);
    expect(range.low).toBeLessThan(3);
    expect(range.high).toBeGreaterThan(3);
    expect(range.high - range.low).toBeGreaterThan(2); // a p99 of 1,000 streams is loose
    expect(quantileDifferenceInterval(server, direct, 0.99)).toEqual(range);
    const more = quantileDifferenceInterval(sample(40_000, 3), sample(40_000, 0), 0.99);
    expect(more.high - more.low).toBeLessThan((range.high - range.low) / 2);
    expect(quantileDifferenceInterval([], direct, 0.99).low).toBeNaN();
  });

  it('registers every bench once, with the documented ids', () => {
    const ids = benches.map((b) => b.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['replay', 'server', 'context', 'tokens', 'sqlite', 'redis', 'grader', 'growth', 'server-history']));
  });

  it('compares tasks in interleaved rounds', async () => {
    let a = 0;
    let b = 0;
    const t = await compare({ a: () => void a++, b: async () => void b++ }, { rounds: 2, time: 1, iterations: 3 });
    expect(t.a.samples).toBeGreaterThanOrEqual(6);
    expect(t.b.samples).toBeGreaterThanOrEqual(6);
    expect(Number.isFinite(t.a.median) && Number.isFinite(t.b.p99)).toBe(true);
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(0);
    expect(fmtMs(-0.5)).toBe('-0.500 ms');
  });

  it('starts each task from a full collection when gc is exposed, never inside the timing', async () => {
    const g = globalThis as { gc?: () => void };
    const before = g.gc;
    const log: string[] = [];
    g.gc = () => void log.push('gc');
    try {
      await compare({ a: () => void log.push('a'), b: () => void log.push('b') }, { rounds: 1, time: 1, iterations: 2, warmup: false });
    } finally {
      g.gc = before;
    }
    // One collection before each task's run, and none between its iterations.
    expect(log.join(' ')).toMatch(/^gc (a ){2,}gc (b ?){2,}$/);
  });

  it('builds the same prefix-stable corpus for a seed', () => {
    expect(chatCorpus(10)).toEqual(chatCorpus(30).slice(0, 10));
    expect(chatCorpus(4).map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
  });

  it('interleaves sessions a turn at a time, as a live server writes them', () => {
    expect([...interleavedTurns(['a', 'b'], [1, 2, 3])]).toEqual([['a', [1, 2]], ['b', [1, 2]], ['a', [3]], ['b', [3]]]);
    expect([...interleavedTurns(['a'], [1, 2, 3])].flatMap(([, turn]) => turn)).toEqual([1, 2, 3]);
  });

  it('reads command names from RESP, across reads', () => {
    const reader = new RespCommandReader();
    const wire = Buffer.from('*3\r\n$5\r\nRPUSH\r\n$3\r\nkey\r\n$5\r\nhello\r\n*3\r\n$6\r\nEXPIRE\r\n$3\r\nkey\r\n$2\r\n60\r\n');
    expect(reader.feed(wire.subarray(0, 20))).toEqual([]);
    expect(reader.feed(wire.subarray(20))).toEqual(['RPUSH', 'EXPIRE']);
  });

  it('keeps earlier results of benches not run, in bench order, and renders them', () => {
    const row: BenchRow = { what: 'w', baseline: 'b', result: 'r | x', target: 't', met: null, data: {} };
    const merged = mergeResults(
      [{ id: 'grader', title: 'G', measuredAt: '2026-01-01T00:00:00Z', rows: [row] }, { id: 'context', title: 'old', measuredAt: '2026-01-01T00:00:00Z', rows: [] }],
      [{ id: 'context', title: 'C', measuredAt: '2026-01-02T00:00:00Z', rows: [row] }],
    );
    expect(merged.map((r) => [r.id, r.title])).toEqual([['context', 'C'], ['grader', 'G']]);
    const md = resultsMarkdown({ date: '2026-01-02T00:00:00Z', machine: { node: 'v20', cpus: 2, cpu: 'x', memoryGiB: 1 }, results: merged });
    expect(md).toContain('r \\| x');
    expect(md).toContain('`grader`, measured 2026-01-01 00:00 UTC.');
  });
});

describe('the command', () => {
  const bench = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'scripts/bench.ts', ...args], { cwd: path.join(import.meta.dirname, '..'), encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

  it('--help, an unknown bench refused, and one bench written to --out with a count of what it met', () => {
    const help = bench('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--only <ids>');
    expect(help.stdout).toContain('exit status 1 when a target was missed');

    const unknown = bench('--only', 'context,nope');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('unknown benchmark nope');

    const out = mkdtempSync(path.join(tmpdir(), 'bench-out-'));
    try {
      const run = bench('--only', 'context', '--out', out);
      expect(run.stderr).toContain('context took');
      const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as { results: { id: string; rows: BenchRow[] }[] };
      expect(results.results.map((r) => r.id)).toEqual(['context']);
      const met = results.results[0].rows.filter((r) => r.met === true).length;
      const missed = results.results[0].rows.filter((r) => r.met === false).length;
      expect(run.stdout).toContain(`${met} target${met === 1 ? '' : 's'} met, ${missed} missed`);
      expect(run.status).toBe(missed ? 1 : 0);
      expect(readFileSync(path.join(out, 'RESULTS.md'), 'utf8')).toContain('`context`, measured');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('the load test client', () => {
  // A raw server: answers a connection's first request with a tiny SSE stream and hangs up on the next
  // one before answering (as a server whose idle timeout fired); with 'always', on the first one too.
  async function sseServer(hangUp: 'reused' | 'always') {
    const body = 'data: {"text":"hi"}\n\ndata: {"done":true}\n\n';
    const server = net.createServer((socket) => {
      let requests = 0;
      socket.on('data', () => {
        if (hangUp === 'always' || ++requests > 1) return void socket.destroy();
        socket.write(`HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n${body}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const spec = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, body: {}, firstText: 'data: {"text"', completed: '"done":true', errorEvent: 'data: {"error"' };
    return { spec, close: () => new Promise((resolve) => server.close(resolve)) };
  }

  it('sends a request again, once, when its keep-alive socket was closed under it', async () => {
    const { spec, close } = await sseServer('reused');
    const agent = streamingAgent();
    try {
      const first = await runStream(agent, spec);
      expect(first).toMatchObject({ error: null, status: 200 });
      expect(first.retried).toBeUndefined();
      const second = await runStream(agent, spec); // the agent reuses the socket; the server hangs up on it
      expect(second).toMatchObject({ error: null, status: 200, retried: true });
    } finally {
      agent.destroy();
      await close();
    }
  });

  it('reports a server that hangs up on fresh connections too', async () => {
    const { spec, close } = await sseServer('always');
    const agent = streamingAgent();
    try {
      const r = await runStream(agent, spec);
      expect(r.error).toMatch(/socket hang up|ECONNRESET/);
      expect(r.retried).toBeUndefined(); // a new socket failing is not the keep-alive race
    } finally {
      agent.destroy();
      await close();
    }
  });
});

describe('cheap benches at tiny sizes', () => {
  it('context: window vs recounting, with the tokenizer calls of each path', async () => {
    const m = await measureContext({ messages: 200, measure: tiny });
    expect(m.trimTokenizerCalls).toBe(0);
    expect(m.recountTokenizerCalls).toBe(400);
    expectWellFormed([contextRow(m)]);
  });

  it('tokens: both libraries on the same texts, counts compared', async () => {
    const [m] = await measureTokenizers({ texts: 20, encodings: ['cl100k_base'], coldStart: false, measure: tiny });
    expect(m.disagreements).toBe(0);
    expect(m.tokens).toBeGreaterThan(0);
    expectWellFormed([tokenizerRow(m)]);
  });

  it('sqlite: save and load against the course pattern', async () => {
    const m = await measureSqlite({ historyMessages: 200, measure: tiny });
    expect(m.historyMessages).toBe(200);
    expectWellFormed(sqliteRows(m));
  });

  it('redis: round trips counted on the wire', async (ctx) => {
    if (!(await useRedis())) return ctx.skip();
    const m = await measureRedis({ calls: 2, measure: tiny });
    expect(m.storeTrips).toBe(1);
    expect(m.loadTrips).toBe(1); // warm: one EVALSHA (the first load of a run may need 2: counted apart)
    expect(m.loadFirstTrips).toBeGreaterThanOrEqual(1);
    expect(m.loadFirstTrips).toBeLessThanOrEqual(2);
    expect(m.courseTrips).toBe(3);
    expect(m.courseCommands).toEqual(['RPUSH', 'RPUSH', 'EXPIRE']);
    expectWellFormed([redisRow(m)]);
  });

  it('growth: curves for the window and the stores', async () => {
    const redis = await useRedis();
    const g = await measureGrowth({ sizes: [10, 40], redisUrl: redis ? undefined : null, measure: tiny });
    expect(g.curves.length).toBe(redis ? 8 : 5);
    for (const c of g.curves) expect(c.ms).toHaveLength(2);
    expectWellFormed(growthRows(g));
    expect(growthExponent([10, 100], [1, 10])).toBeCloseTo(1);
  });
});

describe('the server-history bench, in miniature', () => {
  it('past the context limit the server reads the end of the history; the baseline reads all of it', async () => {
    const c = await measureServerHistory({ sizes: [20, 600], measure: tiny, contextMaxTokens: 3000 });
    expect(c.windowed).toHaveLength(2);
    // 20 messages: under the limit, both read everything (the sends add a turn each).
    expect(c.windowedRead[0]).toBeGreaterThanOrEqual(20);
    expect(c.wholeReadRead[0]).toBeGreaterThanOrEqual(20);
    // 600 messages (~27k tokens) over a 3,000-token limit: the window's read stays far below the session.
    expect(c.wholeReadRead[1]).toBeGreaterThanOrEqual(600);
    expect(c.windowedRead[1]).toBeLessThan(300);
    // /stats after a reply reads the new turn and the last one seen; the baseline, everything.
    expect(c.stats.windowedRead).toEqual([4, 4]);
    expect(c.stats.wholeReadRead[1]).toBeGreaterThanOrEqual(600);
    expectWellFormed(serverHistoryRows(c));
  });
});

describe('the server bench\'s child processes', () => {
  it('fail the question they were asked when they die, instead of leaving the bench waiting', async () => {
    const sim = await SimChild.start();
    sim.child.kill('SIGSTOP'); // it cannot answer now
    const asked = sim.gcPauses();
    sim.child.kill('SIGKILL');
    await expect(asked).rejects.toThrow(/^sim-child\.ts exited \(SIGKILL\) while the bench waited for its pauses reply/);
    await expect(sim.setSpeed(1)).rejects.toThrow(/^sim-child\.ts had exited \(SIGKILL\)/);
  });
});

describe('the server bench, in miniature', () => {
  // The real processes (simulator, server, bare proxy), a handful of streams: the plumbing works and nothing errs.
  const levels = [
    { concurrency: 1, speed: 0.02, repeats: 2, rampMs: 0, directEvery: 1 },
    { concurrency: 3, speed: 0.05, repeats: 1, rampMs: 5, directEvery: 1, bareSimFloor: true },
  ];
  for (const upstream of ['in-process', 'http'] as const) {
    it(`measures TTFT through the server and straight from the simulator (${upstream})`, async () => {
      const results = await measureServer({ upstream, levels, warmup: 4, minSessions: 3 });
      expect(results.map((r) => [r.concurrency, r.server.length, r.direct.length, r.errors])).toEqual([
        [1, 2, 2, []],
        [3, 3, 3, []],
      ]);
      // Only over HTTP is there a second hop, and so a bare proxy to time.
      expect(results[0].proxy?.length ?? 0).toBe(upstream === 'http' ? 2 : 0);
      // The floor (a bare simulator server carrying the same streams) is timed where asked, in-process only.
      expect(results[0].bareSim).toBeUndefined();
      const floor = results[1].bareSim;
      if (upstream === 'in-process') expect(floor && [floor.loaded.length, floor.direct.length, floor.errors]).toEqual([3, 3, []]);
      else expect(floor).toBeUndefined();
      for (const t of [...(floor?.loaded ?? []), ...(floor?.direct ?? [])]) expect(t).toBeGreaterThan(15); // speed 0.05: 16 ms
      // Every stream waited for the simulator's first token (speed 0.02: 6.4 ms after the request).
      for (const r of results) for (const t of [...r.server, ...r.direct]) expect(t).toBeGreaterThan(5);
      // The server child reported its GC pauses for each level, a summary that adds up.
      for (const r of results) {
        const gc = r.serverGc;
        expect(gc).toBeDefined();
        if (!gc) continue;
        expect(gc.longestMs).toBeLessThanOrEqual(gc.totalMs);
        expect(gc.over5Ms).toBeLessThanOrEqual(gc.count);
      }
      expectWellFormed(serverRows(results, upstream));
    }, 60_000);
  }
});

describe('expensive benches: their rows', () => {
  it('server: TTFT added per level and memory per stream', () => {
    const rows = serverRows(
      [
        { concurrency: 1, server: [84, 85, 86], direct: [80, 81, 82], errors: [], proxy: [81.5, 81.6, 81.7] },
        { concurrency: 100, server: [100, 101], direct: [100, 100.5], errors: ['server: HTTP 503'], serverGc: summarisePauses([0.5, 12, 6, 1]) },
      ],
      'http',
    );
    // Over HTTP the time added is reported (the hop is in it); errors still fail the row.
    expect(rows.map((r) => r.met)).toEqual([true, false]);
    expect(rows[0].target).toMatch(/^no errors; time added: report/);
    expect(rows[0].data.addedMedianMs).toBeCloseTo(4);
    // The bare proxy's median (81.6) minus direct's (81): the hop alone; the rest (4 - 0.6) is the server's own.
    expect(rows[0].data.bareProxyAddedMedianMs).toBeCloseTo(0.6);
    expect(rows[0].data.serverBeyondProxyMedianMs).toBeCloseTo(3.4);
    expect(rows[0].result).toContain('bare pass-through proxy');
    expect(rows[0].what).toContain('over HTTP');
    // The server's GC pauses during a level: what a long p99 is often made of.
    expect(rows[1].data).toMatchObject({ serverGcPauses: 4, serverGcLongestMs: 12, serverGcOver5Ms: 2, serverGcTotalMs: 19.5 });
    expect(rows[1].result).toContain("the server's GC meanwhile: 4 pauses, longest 12");
    // Every level's p99 difference comes with its interval from resampling, around the point figure.
    expect(rows[0].result).toMatch(/p99 \(90% interval from resampling [+-][\d.]+ ms to [+-][\d.]+ ms;/);
    expect(rows[0].data.addedP99Low90Ms).toBeLessThanOrEqual(rows[0].data.addedP99Ms as number);
    expect(rows[0].data.addedP99High90Ms).toBeGreaterThanOrEqual(rows[0].data.addedP99Ms as number);
    // At 1,000 streams in-process, the floor: a bare simulator server under the same load, against the direct streams of its own waves.
    const floored = serverRows(
      [{ concurrency: 1000, server: [100, 101, 106], direct: [100, 100, 100], errors: [], bareSim: { loaded: [100, 100.5, 103], direct: [100, 100, 100], errors: [], gc: summarisePauses([6, 1]) } }],
      'in-process',
    );
    expect(floored[0].data).toMatchObject({ bareSimAddedMedianMs: 0.5, bareSimAddedP99Ms: 2.95, bareSimGcOver5Ms: 1, bareSimErrors: 0 });
    expect(floored[0].result).toContain('a bare simulator server in its own process (node:http and the simulator, nothing else) carrying the same 1,000 concurrent streams adds +0.500 ms median, +2.95 ms p99');
    expect(floored[0].met).toBe(false); // the floor is context: the target is still the server's own +5.9 ms p99
    // In-process: no proxy floor; within the targets and without errors, met.
    const inProcess = serverRows([{ concurrency: 1, server: [80.5, 81.5, 82.5], direct: [80, 81, 82], errors: [] }], 'in-process');
    expect(inProcess[0].met).toBe(true);
    const slow = serverRows([{ concurrency: 1, server: [81.5, 82.5, 83.5], direct: [80, 81, 82], errors: [] }], 'in-process');
    expect(slow[0].met).toBe(false); // +1.5 ms median
    expect(inProcess[0].what).toContain('in its process');
    expect(inProcess[0].data.bareProxyAddedMedianMs).toBeUndefined();
    expect(inProcess[0].data.bareSimAddedP99Ms).toBeUndefined();
    // A server p99 below the direct path's is a negative difference, written with one sign.
    const faster = serverRows([{ concurrency: 1, server: [81, 81.5, 82], direct: [80, 81, 83], errors: [] }], 'in-process');
    expect(faster[0].result).toMatch(/^\+0\.50* ms median, -0\.970* ms p99/);
    expectWellFormed(rows);
    const memory = memoryRow({ upstream: 'in-process', open: 1000, idleRss: 100 * 2 ** 20, openRss: 140 * 2 ** 20, idleHeap: 50 * 2 ** 20, openHeap: 90 * 2 ** 20, errors: [] });
    expect(memory.met).toBe(true); // 41 KiB a stream
    expect(memory.what).toContain('in its process');
    expect(memoryRow({ upstream: 'http', open: 1000, idleRss: 100 * 2 ** 20, openRss: 170 * 2 ** 20, idleHeap: 50 * 2 ** 20, openHeap: 90 * 2 ** 20, errors: [] }).met).toBe(false); // 72 KiB
    expectWellFormed([memory]);
  });

  it('grader: wall time and cores busy', () => {
    const run = (wallMs: number, cpuMs: number, machineBusy = 0.5) => ({ wallMs, cpuMs, machineBusy, exitCode: 0, tail: '' });
    const rows = graderRows({ single: run(40_000, 27_000), singleSmall: run(5_000, 6_000), batch: run(60_000, 110_000), batchSize: 20, jobs: 2, batchScope: 'context' });
    expect(rows[1].met).toBe(true);
    expectWellFormed(rows);
    // 1.2 cores kept busy while others' work saturated the machine: both cores in use; on an idle machine: not.
    expect(graderRows({ single: run(1, 1), singleSmall: run(5_000, 6_000), batch: run(60_000, 72_000, 0.97), batchSize: 20, jobs: 2, batchScope: 'context' })[1].met).toBe(true);
    expect(graderRows({ single: run(1, 1), singleSmall: run(5_000, 6_000), batch: run(60_000, 72_000, 0.6), batchSize: 20, jobs: 2, batchScope: 'context' })[1].met).toBe(false);
  });
});
