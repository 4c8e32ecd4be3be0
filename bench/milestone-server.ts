import { fmtMs, round } from './measure.ts';
import { SERVER_NODE_FLAGS } from '../labs/milestone/server/config.ts';
import { ProxyChild, ServerChild, SimChild, serverConfig, specs, type Upstream } from './server-process.ts';
import { measureServerMemory, memoryRow } from './server-memory.ts';
import { tempDir } from './sqlite-store.ts';
import type { GcPauses } from './child-protocol.ts';
import { ramp, runStream, streamingAgent, type StreamResult } from './stream-client.ts';
import { quantile, quantileDifferenceInterval, type Bench, type BenchRow } from './types.ts';

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
}

// 400 rounds at 1 stream: the median of two paths that differ by ~1 ms moved by +-0.15 ms between runs
// of 200 on this VM (0.86-1.12 for the same code), about the margin to the target; a p99 of 100 samples
// is just the worst but one. 5 waves at 1,000 streams: the p99 there is set by where the collector's
// pauses fall, and moved from 3 to 9 ms between runs of 3 waves (one run of 5 gave 19).
export const LEVELS: Level[] = [
  { concurrency: 1, speed: 0.25, repeats: 400, rampMs: 0, directEvery: 1 },
  { concurrency: 100, speed: 6, repeats: 10, rampMs: 1500, directEvery: 1 },
  { concurrency: 1000, speed: 20, repeats: 5, rampMs: 6000, directEvery: 5 },
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
    for (let i = 0; i < need; i += 25) {
      const batch = await Promise.all(Array.from({ length: Math.min(25, need - i) }, () => runStream(agent, through('new'), { header: 'X-Session-Id' })));
      for (const r of batch) {
        if (r.error || !r.header) throw new Error(`creating a session failed: ${r.error ?? 'no X-Session-Id header'}`);
        sessions.push(r.header);
      }
    }

    // Steady state, as a server that has been up a while: V8 compiles the per-request path with its
    // optimising tiers only after some hundreds of calls, and a fresh process would be timed on its
    // interpreter. 500 replies at simulator speed 0, over all the sessions (not counted).
    const warmup = opts.warmup ?? 500;
    progress(`warming up the server: ${warmup} replies (simulator instant, not counted)`);
    for (let i = 0; i < warmup; i += 25) {
      await Promise.all(Array.from({ length: Math.min(25, warmup - i) }, (_, k) => runStream(agent, through(sessions[(i + k) % sessions.length]))));
    }

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
          const serverFirst = wave % 2 === 0;
          // Server streams with a direct one after every `directEvery` of them, all spread over the ramp.
          const plan: Array<{ toServer: boolean; session: number }> = [];
          for (let k = 0; k < level.concurrency; k++) {
            const pair = [{ toServer: true, session: k }];
            if (k % level.directEvery === 0) pair.push({ toServer: false, session: -1 });
            plan.push(...(serverFirst ? pair : pair.reverse()));
          }
          const wavePromise = ramp(plan.length, level.rampMs, (i) => {
            const { toServer, session } = plan[i];
            return runStream(agent, toServer ? through(sessions[session]) : direct(), { timeoutMs: 120_000 }).then((r) => ({ toServer, r }));
          });
          for (const { toServer, r } of await wavePromise) record(toServer ? res.server : res.direct, r, toServer ? 'server' : 'direct');
        }
      }
      res.serverGc = await srv.gcPauses();
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

const UPSTREAM_LABEL: Record<Upstream, string> = {
  'in-process': 'simulator in its process (the default)',
  http: 'simulator over HTTP, as a live provider',
};

/**
 * Over HTTP the time added is reported, not held to the 1 ms target. Its
 * baseline is the simulator straight to the client, so the figure holds a
 * second network hop as well as the server's work: on the 2-core VMs this was
 * measured on, a bare pass-through proxy alone added ~0.7 ms of the 1 ms. The
 * issue's target, what the server itself adds, is the in-process rows'. Errors
 * still fail the row.
 */
const HTTP_TARGET = 'no errors; time added: report (it holds a second network hop: the <= 1 ms / <= 5 ms target is the in-process rows\')';

/** A difference with its sign: "+0.82 ms", "-0.74 ms" (the server's p99 can come out below the direct path's). */
const signedMs = (ms: number): string => `${ms < 0 ? '-' : '+'}${fmtMs(Math.abs(ms))}`;

export function serverRows(results: LevelResult[], upstream: Upstream): BenchRow[] {
  const timed = upstream === 'in-process'; // held to the time target (see HTTP_TARGET)
  const rows: BenchRow[] = [];
  for (const r of results) {
    const s = [...r.server].sort((a, b) => a - b);
    const d = [...r.direct].sort((a, b) => a - b);
    const addedMedian = quantile(s, 0.5) - quantile(d, 0.5);
    const addedP99 = quantile(s, 0.99) - quantile(d, 0.99);
    // The p99s rest on each path's slowest few dozen streams: say how far sampling alone could move their difference.
    const p99Range = quantileDifferenceInterval(s, d, 0.99);
    let split = '';
    const extra: Record<string, number> = {};
    if (r.proxy && r.proxy.length > 0) {
      // The floor: a second HTTP hop with nothing else (no framework, store, tokenizer or SDK).
      const hop = quantile([...r.proxy].sort((a, b) => a - b), 0.5) - quantile(d, 0.5);
      extra.bareProxyAddedMedianMs = round(hop);
      extra.serverBeyondProxyMedianMs = round(addedMedian - hop);
      split += `; a bare pass-through proxy in its own process adds ${signedMs(hop)} median in the same run (the hop alone), so the server's own work is ${fmtMs(addedMedian - hop)}`;
    }
    if (r.serverGc) {
      const gc = r.serverGc;
      Object.assign(extra, { serverGcPauses: gc.count, serverGcLongestMs: round(gc.longestMs), serverGcOver5Ms: gc.over5Ms, serverGcTotalMs: round(gc.totalMs) });
      split += `; the server's GC meanwhile: ${gc.count} pauses, longest ${fmtMs(gc.longestMs)}, ${gc.over5Ms} over 5 ms`;
    }
    rows.push({
      what: `milestone server (${UPSTREAM_LABEL[upstream]}): time added to the first token at ${r.concurrency.toLocaleString('en')} concurrent stream${r.concurrency > 1 ? 's' : ''}`,
      baseline: 'the simulator streamed straight to the client, same prompt, interleaved',
      result:
        `${signedMs(addedMedian)} median, ${signedMs(addedP99)} p99 (90% interval from resampling ${signedMs(p99Range.low)} to ${signedMs(p99Range.high)}; through the server ${fmtMs(quantile(s, 0.5))} / ${fmtMs(quantile(s, 0.99))}, ` +
        `direct ${fmtMs(quantile(d, 0.5))} / ${fmtMs(quantile(d, 0.99))}; ${s.length} + ${d.length} streams)${split}; errors: ${r.errors.length}` +
        (r.retries ? ` (${r.retries} sent again: their keep-alive socket had just been closed)` : ''),
      target: timed ? '<= 1 ms median, <= 5 ms p99, no errors' : HTTP_TARGET,
      met: r.errors.length === 0 && s.length > 0 && (!timed || (addedMedian <= 1 && addedP99 <= 5)),
      data: {
        upstream,
        concurrency: r.concurrency,
        addedMedianMs: round(addedMedian),
        addedP99Ms: round(addedP99),
        addedP99Low90Ms: round(p99Range.low),
        addedP99High90Ms: round(p99Range.high),
        serverMedianMs: round(quantile(s, 0.5)),
        serverP99Ms: round(quantile(s, 0.99)),
        directMedianMs: round(quantile(d, 0.5)),
        directP99Ms: round(quantile(d, 0.99)),
        streams: s.length + d.length,
        errors: r.errors.length,
        retries: r.retries ?? 0,
        firstErrors: r.errors.slice(0, 3).join(' | '),
        ...extra,
      },
    });
  }
  return rows;
}

export const milestoneServer: Bench = {
  id: 'server',
  title: 'Milestone server: time added to the first token, and memory per open stream',
  note:
    'The simulator, the server and (at 1 stream) a bare node:http pass-through proxy each in a child process; the server with npm run serve\'s Node flags (' + SERVER_NODE_FLAGS.join(' ') + ') and warmed up with 500 replies; the synthetic model slowed down at high concurrency so the streams stay open. ' +
    'TTFT added = first text event through the server minus first text event straight from the simulator process, same prompt, interleaved, over 1, 100 and 1,000 concurrent streams; ' +
    "each p99 difference with a 90% interval from resampling both paths' streams (400 rounds): how far sampling alone could move it. " +
    "Twice: with the simulator inside the server's process (npm run serve's default: what the server itself adds), and over HTTP (--sim-url: one more network hop, as with a live provider; the bare proxy, timed in the same rounds, is what that hop alone costs on this machine; reported, with only errors failing the row, since the hop is not the server's work). " +
    'Memory: RSS from /proc/<pid>/status of a fresh server with 1,000 streams open minus idle, both after a full GC; with the simulator in its process (the default) and over HTTP (the server alone).',
  async run(progress) {
    const rows: BenchRow[] = [];
    for (const upstream of ['in-process', 'http'] as const) rows.push(...serverRows(await measureServer({ upstream, progress }), upstream));
    for (const upstream of ['in-process', 'http'] as const) rows.push(memoryRow(await measureServerMemory(1000, progress, upstream)));
    return rows;
  },
};
