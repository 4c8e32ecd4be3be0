import { fmtMs, round } from './measure.ts';
import type { LevelResult } from './milestone-server.ts';
import type { Upstream } from './server-process.ts';
import { quantile, quantileDifferenceInterval, type BenchRow } from './types.ts';

/** The server bench's rows: one per level and upstream, from what measureServer timed. */

export const UPSTREAM_LABEL: Record<Upstream, string> = {
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

const ascending = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);

/**
 * What the loaded path adds over the direct one: the medians' and the p99s' differences, and how far
 * sampling alone could move the p99's (its slowest few dozen streams decide it).
 */
function added(loaded: readonly number[], direct: readonly number[]) {
  const l = ascending(loaded);
  const d = ascending(direct);
  return { l, d, median: quantile(l, 0.5) - quantile(d, 0.5), p99: quantile(l, 0.99) - quantile(d, 0.99), p99Range: quantileDifferenceInterval(l, d, 0.99) };
}

export function serverRows(results: LevelResult[], upstream: Upstream): BenchRow[] {
  const timed = upstream === 'in-process'; // held to the time target (see HTTP_TARGET)
  const rows: BenchRow[] = [];
  for (const r of results) {
    const { l: s, d, median: addedMedian, p99: addedP99, p99Range } = added(r.server, r.direct);
    let split = '';
    const extra: Record<string, number> = {};
    if (r.proxy && r.proxy.length > 0) {
      // The floor: a second HTTP hop with nothing else (no framework, store, tokenizer or SDK).
      const hop = quantile(ascending(r.proxy), 0.5) - quantile(d, 0.5);
      extra.bareProxyAddedMedianMs = round(hop);
      extra.serverBeyondProxyMedianMs = round(addedMedian - hop);
      split += `; a bare pass-through proxy in its own process adds ${signedMs(hop)} median in the same run (the hop alone), so the server's own work is ${fmtMs(addedMedian - hop)}`;
    }
    if (r.serverGc) {
      const gc = r.serverGc;
      Object.assign(extra, { serverGcPauses: gc.count, serverGcLongestMs: round(gc.longestMs), serverGcOver5Ms: gc.over5Ms, serverGcTotalMs: round(gc.totalMs) });
      split += `; the server's GC meanwhile: ${gc.count} pauses, longest ${fmtMs(gc.longestMs)}, ${gc.over5Ms} over 5 ms`;
    }
    if (r.bareSim && r.bareSim.loaded.length > 0) {
      // The floor: the same load on a process that does nothing but serve the simulator.
      const b = r.bareSim;
      const { median: floorMedian, p99: floorP99, p99Range: floorRange } = added(b.loaded, b.direct);
      Object.assign(extra, {
        bareSimAddedMedianMs: round(floorMedian),
        bareSimAddedP99Ms: round(floorP99),
        bareSimAddedP99Low90Ms: round(floorRange.low),
        bareSimAddedP99High90Ms: round(floorRange.high),
        bareSimGcOver5Ms: b.gc.over5Ms,
        bareSimErrors: b.errors.length,
      });
      split +=
        `; the floor, in waves of its own: a bare simulator server in its own process (node:http and the simulator, nothing else) carrying the same ${r.concurrency.toLocaleString('en')} concurrent streams adds ${signedMs(floorMedian)} median, ${signedMs(floorP99)} p99 ` +
        `(90% interval ${signedMs(floorRange.low)} to ${signedMs(floorRange.high)}; its GC: ${b.gc.over5Ms} pauses over 5 ms; errors: ${b.errors.length}): what that many open streams in one Node process cost on this machine`;
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

