import { startProviderServer, type ProviderServer } from '../fixtures/sim/index.ts';
import { round } from './measure.ts';
import { ServerChild, serverConfig, specs, type Upstream } from './server-process.ts';
import { tempDir } from './sqlite-store.ts';
import { ramp, runStream, streamingAgent } from './stream-client.ts';
import type { BenchRow } from './types.ts';

export interface MemoryResult {
  upstream: Upstream;
  open: number;
  idleRss: number;
  openRss: number;
  idleHeap: number;
  openHeap: number;
  errors: string[];
}

/**
 * Memory per open stream, in a fresh server process: warm it up (20 replies),
 * full GC, RSS and heap; then open `streams` streams (new sessions; the
 * simulator slow enough that none has its first token yet), wait until every
 * one has its response headers, full GC, RSS and heap again. 'http': the
 * simulator in this process, over HTTP (the server's memory alone);
 * 'in-process': the simulator inside the server's process (npm run serve's
 * default), so each stream's replay is counted too.
 */
export async function measureServerMemory(streams: number, progress: (m: string) => void = () => {}, upstream: Upstream = 'http'): Promise<MemoryResult> {
  const tmp = tempDir();
  const agent = streamingAgent();
  let sim: ProviderServer | null = null;
  let server: ServerChild | null = null;
  try {
    sim = await startProviderServer({ speed: 0, cassettes: false });
    server = await ServerChild.start(serverConfig(upstream, sim.url, tmp.dir));
    const { through } = specs(sim.url, server.url);
    progress(`memory: a fresh server (simulator ${upstream === 'http' ? 'over HTTP' : 'in its process'}), warmed up with 20 replies`);
    for (let i = 0; i < 20; i++) await runStream(agent, through('new'));
    const idle = await server.memory();
    // First token after 6.4 s: the streams are open and waiting when measured.
    if (upstream === 'http') sim.sim.speed = 20;
    else await server.setSimSpeed(20);
    progress(`memory: opening ${streams} streams`);
    let responded = 0;
    let markOpen: () => void = () => {};
    const allOpen = new Promise<void>((resolve) => (markOpen = resolve));
    const wave = ramp(streams, Math.min(3000, streams * 3), () =>
      runStream(agent, through('new'), {
        timeoutMs: 120_000,
        onResponse: () => {
          if (++responded === streams) markOpen();
        },
      }),
    );
    await Promise.race([allOpen, new Promise((resolve) => setTimeout(resolve, 6000))]);
    const open = await server.memory();
    const results = await wave;
    return {
      upstream,
      open: responded,
      idleRss: idle.rss,
      openRss: open.rss,
      idleHeap: idle.heap,
      openHeap: open.heap,
      errors: results.filter((r) => r.error).map((r) => r.error ?? ''),
    };
  } finally {
    agent.destroy();
    await server?.close();
    await sim?.close();
    tmp.remove();
  }
}

export function memoryRow(m: MemoryResult): BenchRow {
  const perStream = (m.openRss - m.idleRss) / m.open;
  const heapPerStream = (m.openHeap - m.idleHeap) / m.open;
  return {
    what: `milestone server (${m.upstream === 'http' ? 'simulator over HTTP: the server alone' : "simulator in its process, the default: each stream's replay counted too"}): memory per open stream (${m.open.toLocaleString('en')} open, a fresh server process, after a full GC)`,
    baseline: 'the same process idle, warmed up, just before',
    result:
      `${(perStream / 1024).toFixed(1)} KiB RSS per stream (RSS ${(m.idleRss / 2 ** 20).toFixed(1)} -> ${(m.openRss / 2 ** 20).toFixed(1)} MiB); ` +
      `live heap ${(heapPerStream / 1024).toFixed(1)} KiB per stream (${(m.idleHeap / 2 ** 20).toFixed(1)} -> ${(m.openHeap / 2 ** 20).toFixed(1)} MiB); errors: ${m.errors.length}`,
    target: '<= 64 KiB',
    met: perStream <= 64 * 1024 && m.errors.length === 0,
    data: {
      upstream: m.upstream,
      openStreams: m.open,
      rssPerStreamKiB: round(perStream / 1024),
      heapPerStreamKiB: round(heapPerStream / 1024),
      idleRssMiB: round(m.idleRss / 2 ** 20),
      openRssMiB: round(m.openRss / 2 ** 20),
      idleHeapMiB: round(m.idleHeap / 2 ** 20),
      openHeapMiB: round(m.openHeap / 2 ** 20),
      errors: m.errors.length,
    },
  };
}
