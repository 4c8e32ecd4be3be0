import type { Agent } from 'node:http';
import { fmtMs } from './measure.ts';
import { SERVER_NODE_FLAGS } from '../labs/milestone/server/config.ts';
import { ProxyChild, ServerChild, SimChild, serverConfig, specs, type Upstream } from './server-process.ts';
import { measureServerMemory, memoryRow } from './server-memory.ts';
import { tempDir } from './sqlite-store.ts';
import type { GcPauses } from './child-protocol.ts';
import { ramp, runStream, streamingAgent, type StreamResult, type StreamSpec } from './stream-client.ts';
import { serverRows } from './server-rows.ts';
import { quantile, type Bench, type BenchRow } from './types.ts';

/**
 * The milestone server under load, measured from outside. Three processes
 * besides this one (the client): the simulator over HTTP (synthetic model,
 * Anthropic wire), the milestone server (SQLite in a temporary directory),
 * and at 1 stream a bare proxy. The server's model is either
 *  - 'in-process': the simulator inside the server's process, answering the
 *    SDK's fetch (what `npm run serve` does by default), or
 *  - 'http': the simulator process, over HTTP (--sim-url), one more network
 *    hop, as with a live provider.
 *
 *  - TTFT added = first text event through the server minus first text event
 *    straight from the simulator process, same prompt and max_tokens,
 *    interleaved: in a wave, server and direct requests alternate (each
 *    server request goes to a session of its own, created beforehand),
 *    spread over a ramp short enough that all the wave's streams are open
 *    before the first token is due. The simulator's first token comes at a
 *    fixed offset after it receives a request, and both paths cross a process
 *    boundary each way, so the difference is what the server adds (its HTTP,
 *    store reads, SDK call, re-encoding; over HTTP, the second hop too);
 *  - memory per open stream = (server RSS from /proc/<pid>/status with N
 *    streams open - RSS idle) / N, in a fresh server process, both after a
 *    full GC in the child (its live heap is reported too);
 *  - errors: any non-200, error event, stream without its done event, or
 *    socket error, on either path.
 *  - the floor (levels with bareSimFloor, in-process): the same waves with a
 *    bare simulator server (node:http and the simulator) in the server's place.
 * The simulator runs slow at high concurrency (speed 20: first token after
 * 6.4 s, 3 tokens/s) so a thousand streams stay open on two cores without
 * the load generator being the bottleneck.
 */

export interface Level {
  /** Streams through the server at once. */
  concurrency: number;
  /** Simulator speed (1 = real time, 10 = ten times slower). */
  speed: number;
  /** Waves (concurrency > 1) or sequential pairs (concurrency 1). */
  repeats: number;
  /**
   * Spread of a wave's arrivals, ms: shorter than the simulator's first-token
   * delay (320 ms x speed), so every stream of the wave is open before the
   * first token is due; long enough that the load is N open streams rather
   * than a burst of N connections in the same millisecond.
   */
  rampMs: number;
  /** One direct (control) stream per this many server streams (1 at the lower levels; fewer at 1,000 to spare the load generator). */
  directEvery: number;
  /**
   * Also run the same waves with a bare simulator server (node:http and the simulator, nothing else)
   * in the server's place: what carrying that many streams in one Node process costs on this
   * machine, whatever the process does with them. Simulator in the server's process only.
   */
  bareSimFloor?: boolean;
}

// 400 rounds at 1 stream: the median of two paths that differ by ~1 ms moved by +-0.15 ms between runs
// of 200 on this VM (0.86-1.12 for the same code), about the margin to the target; a p99 of 100 samples
// is just the worst but one. 5 waves at 1,000 streams: the p99 there is set by where the collector's
// pauses fall, and moved from 3 to 9 ms between runs of 3 waves (one run of 5 gave 19).
export const LEVELS: Level[] = [
  { concurrency: 1, speed: 0.25, repeats: 400, rampMs: 0, directEvery: 1 },
  { concurrency: 100, speed: 6, repeats: 10, rampMs: 1500, directEvery: 1 },
  { concurrency: 1000, speed: 20, repeats: 5, rampMs: 6000, directEvery: 5, bareSimFloor: true },
];

export interface LevelResult {
  concurrency: number;
  server: number[];
  direct: number[];
  errors: string[];
  /** Requests sent again because their keep-alive socket had just been closed (see runStream). */
  retries?: number;
  /** Concurrency 1 over HTTP only: TTFT through a bare pass-through proxy (the floor for a second hop), same run. */
  proxy?: number[];
  /** The server process's garbage-collection pauses while the level ran. */
  serverGc?: GcPauses;
  /** Level.bareSimFloor: the same waves with a bare simulator server in the server's place, and the direct streams timed alongside. */
  bareSim?: { loaded: number[]; direct: number[]; errors: string[]; gc: GcPauses };
}

export interface ServerBenchOptions {
  /** Where the server's model runs (default 'in-process', the server's own default). */
  upstream?: Upstream;
  levels?: Level[];
  /** Replies before the levels, not counted (default 500). */
  warmup?: number;
  /** Sessions at least (default 100: at 1 stream the rounds rotate over them). */
  minSessions?: number;
  progress?: (m: string) => void;
}

export async function measureServer(opts: ServerBenchOptions = {}): Promise<LevelResult[]> {
  const progress = opts.progress ?? (() => {});
  const levels = opts.levels ?? LEVELS;
  const upstream = opts.upstream ?? 'in-process';
  const tmp = tempDir();
  let sim: SimChild | null = null;
  let server: ServerChild | null = null;
  let proxy: ProxyChild | null = null;
  const agent = streamingAgent();
  try {
    progress(`starting the simulator and the milestone server (simulator ${upstream === 'http' ? 'over HTTP' : 'in the server\'s process'}), each in a child process`);
    sim = await SimChild.start();
    server = await ServerChild.start(serverConfig(upstream, sim.url, tmp.dir));
    const [simChild, srv] = [sim, server];
    // Both simulators (the direct path's, and the server's own when in-process) at the same speed.
    const setSpeed = (speed: number) => Promise.all([simChild.setSpeed(speed), srv.setSimSpeed(speed)]);
    const { direct, through } = specs(simChild.url, srv.url);

    // Sessions, one per concurrent stream, each with one turn already (simulator instant meanwhile).
    // At concurrency 1 the pairs take turns over 100 sessions, so no session's history grows long
    // (the server reads the whole history per message: a growing one would be a different measurement).
    const need = Math.max(opts.minSessions ?? 100, ...levels.map((l) => l.concurrency));
    progress(`creating ${need} sessions (simulator instant)`);
    await setSpeed(0);
    const sessions: string[] = [];
    for (const r of await inBatches(need, () => runStream(agent, through('new'), { header: 'X-Session-Id' }))) {
      if (r.error || !r.header) throw new Error(`creating a session failed: ${r.error ?? 'no X-Session-Id header'}`);
      sessions.push(r.header);
    }

    // Steady state, as a server that has been up a while: V8 compiles the per-request path with its
    // optimising tiers only after some hundreds of calls, and a fresh process would be timed on its
    // interpreter. 500 replies at simulator speed 0, over all the sessions (not counted).
    const warmup = opts.warmup ?? 500;
    progress(`warming up the server: ${warmup} replies (simulator instant, not counted)`);
    await inBatches(warmup, (i) => runStream(agent, through(sessions[i % sessions.length])));

    const results: LevelResult[] = [];
    for (const level of levels) {
      await setSpeed(level.speed);
      const res: LevelResult = { concurrency: level.concurrency, server: [], direct: [], errors: [] };
      const record = (into: number[], r: StreamResult, what: string) => {
        if (r.retried) res.retries = (res.retries ?? 0) + 1;
        if (r.error) res.errors.push(`${what}: ${r.error}`);
        else into.push(r.ttft);
      };
      // Warm-up at this speed: a few of each, not counted.
      for (let i = 0; i < 3; i++) await Promise.all([runStream(agent, through(sessions[0])), runStream(agent, direct())]);
      await srv.gcPauses(); // from here on, the server's GC pauses are the level's

      if (level.concurrency === 1) {
        // Over HTTP, a bare pass-through proxy is timed in the same rounds: the floor for the second hop.
        if (upstream === 'http') proxy ??= await ProxyChild.start(simChild.url);
        const viaProxy = proxy && { ...direct(), url: `${proxy.url}/v1/messages` };
        const paths = viaProxy ? (['server', 'direct', 'proxy'] as const) : (['server', 'direct'] as const);
        progress(`1 stream at a time: ${level.repeats} rounds of ${paths.join(', ')}, in rotating order (speed ${level.speed})`);
        const proxied: number[] = [];
        if (viaProxy) for (let i = 0; i < 3; i++) await runStream(agent, viaProxy);
        for (let i = 0; i < level.repeats; i++) {
          for (let k = 0; k < paths.length; k++) {
            const which = paths[(i + k) % paths.length];
            const r = await runStream(agent, which === 'server' ? through(sessions[i % sessions.length]) : which === 'proxy' && viaProxy ? viaProxy : direct());
            record(which === 'server' ? res.server : which === 'proxy' ? proxied : res.direct, r, which);
          }
        }
        if (viaProxy) res.proxy = proxied;
      } else {
        for (let wave = 0; wave < level.repeats; wave++) {
          progress(
            `${level.concurrency} streams through the server + ${Math.ceil(level.concurrency / level.directEvery)} direct, interleaved over ${level.rampMs} ms (wave ${wave + 1}/${level.repeats}, speed ${level.speed})`,
          );
          const timed = await runWave(agent, level, wave, (k) => through(sessions[k]), direct);
          for (const { loaded, r } of timed) record(loaded ? res.server : res.direct, r, loaded ? 'server' : 'direct');
        }
      }
      res.serverGc = await srv.gcPauses();
      if (level.bareSimFloor && upstream === 'in-process') res.bareSim = await measureBareSim(agent, level, direct, warmup, progress);
      const med = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.5);
      progress(`${level.concurrency}: server median ${fmtMs(med(res.server))}, direct median ${fmtMs(med(res.direct))}, errors ${res.errors.length}`);
      results.push(res);
    }
    return results;
  } finally {
    agent.destroy();
    await proxy?.close();
    await server?.close();
    await sim?.close();
    tmp.remove();
  }
}

/** `count` calls, 25 at a time (each batch started together, the next when it has finished); their results in order. */
async function inBatches<T>(count: number, start: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < count; i += 25) results.push(...(await Promise.all(Array.from({ length: Math.min(25, count - i) }, (_, k) => start(i + k)))));
  return results;
}

/**
 * One wave: `level.concurrency` streams to the loaded path with a direct one after every
 * `directEvery` of them, all spread over the ramp; which of each pair goes first alternates by wave.
 */
async function runWave(agent: Agent, level: Level, wave: number, loaded: (k: number) => StreamSpec, direct: () => StreamSpec) {
  const plan: Array<{ loaded: boolean; k: number }> = [];
  for (let k = 0; k < level.concurrency; k++) {
    const pair = [{ loaded: true, k }];
    if (k % level.directEvery === 0) pair.push({ loaded: false, k });
    plan.push(...(wave % 2 === 0 ? pair : pair.reverse()));
  }
  return ramp(plan.length, level.rampMs, (i) => {
    const { loaded: toLoaded, k } = plan[i];
    return runStream(agent, toLoaded ? loaded(k) : direct(), { timeoutMs: 120_000 }).then((r) => ({ loaded: toLoaded, r }));
  });
}

/**
 * The floor for a level: the same waves, with a second simulator process (node:http and the
 * simulator: no framework, store, tokenizer or SDK) carrying the server's streams. What it adds over
 * the direct path is what that many open streams in one Node process cost here, before any of the
 * server's own work.
 */
async function measureBareSim(agent: Agent, level: Level, direct: () => StreamSpec, warmup: number, progress: (m: string) => void): Promise<NonNullable<LevelResult['bareSim']>> {
  const bare = await SimChild.start();
  try {
    const loaded = specs(bare.url, '').direct;
    await bare.setSpeed(0);
    await inBatches(warmup, () => runStream(agent, loaded()));
    await bare.setSpeed(level.speed);
    for (let i = 0; i < 3; i++) await Promise.all([runStream(agent, loaded()), runStream(agent, direct())]);
    await bare.gcPauses();
    const out = { loaded: [] as number[], direct: [] as number[], errors: [] as string[] };
    for (let wave = 0; wave < level.repeats; wave++) {
      progress(`the floor: ${level.concurrency} streams to a bare simulator server + ${Math.ceil(level.concurrency / level.directEvery)} direct (wave ${wave + 1}/${level.repeats})`);
      for (const { loaded: toLoaded, r } of await runWave(agent, level, wave, loaded, direct)) {
        if (r.error) out.errors.push(`${toLoaded ? 'bare simulator' : 'direct'}: ${r.error}`);
        else (toLoaded ? out.loaded : out.direct).push(r.ttft);
      }
    }
    return { ...out, gc: await bare.gcPauses() };
  } finally {
    await bare.close();
  }
}

export const milestoneServer: Bench = {
  id: 'server',
  title: 'Milestone server: time added to the first token, and memory per open stream',
  note:
    'The simulator, the server and (at 1 stream) a bare node:http pass-through proxy each in a child process; the server with npm run serve\'s Node flags (' + SERVER_NODE_FLAGS.join(' ') + ') and warmed up with 500 replies; the synthetic model slowed down at high concurrency so the streams stay open. ' +
    'TTFT added = first text event through the server minus first text event straight from the simulator process, same prompt, interleaved, over 1, 100 and 1,000 concurrent streams; ' +
    "each p99 difference with a 90% interval from resampling both paths' streams (400 rounds): how far sampling alone could move it. " +
    'At 1,000 streams in-process, the floor too: the same waves with a bare simulator server (node:http and the simulator, nothing else) in its own process in the server\'s place, so a reader sees how much of the p99 any Node process carrying that many streams would add on this machine. ' +
    "Twice: with the simulator inside the server's process (npm run serve's default: what the server itself adds), and over HTTP (--sim-url: one more network hop, as with a live provider; the bare proxy, timed in the same rounds, is what that hop alone costs on this machine; reported, with only errors failing the row, since the hop is not the server's work). " +
    'Memory: RSS from /proc/<pid>/status of a fresh server with 1,000 streams open minus idle, both after a full GC; with the simulator in its process (the default) and over HTTP (the server alone).',
  async run(progress) {
    const rows: BenchRow[] = [];
    for (const upstream of ['in-process', 'http'] as const) rows.push(...serverRows(await measureServer({ upstream, progress }), upstream));
    for (const upstream of ['in-process', 'http'] as const) rows.push(memoryRow(await measureServerMemory(1000, progress, upstream)));
    return rows;
  },
};
