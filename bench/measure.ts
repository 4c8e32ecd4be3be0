import { Bench, type Fn, type FnHook, type Statistics } from 'tinybench';

/**
 * tinybench, used so that a figure and its baseline see the same machine:
 * the tasks of a comparison run in the same process, in several rounds, with
 * their order alternating between rounds, and each task's figure is the
 * median over rounds of its per-round median. A noisy neighbour that slows
 * one round slows both sides of it.
 *
 * Each task starts from a collected heap when the process has `gc`
 * (`npm run bench` passes --expose-gc): what the task before it left behind is
 * collected untimed, instead of in the next task's time. Without it, loads of
 * a 10,000-message history measured right after the save benchmarks took
 * 12-13 ms in half of six runs, against 8-9 ms after a full collection.
 */
const collect = (): void => (globalThis as { gc?: () => void }).gc?.();

export interface Timing {
  /** Median latency, ms (the median of the rounds' medians). */
  median: number;
  /** Mean latency, ms, over every sample of every round. */
  mean: number;
  /** p99 latency, ms (the median of the rounds' p99s). */
  p99: number;
  min: number;
  max: number;
  /** Samples taken, all rounds together. */
  samples: number;
}

export interface MeasureOptions {
  /** Rounds of the whole comparison (default 3). */
  rounds?: number;
  /** tinybench time budget per task per round, ms (default 300). */
  time?: number;
  /** tinybench minimum iterations per task per round (default 10). */
  iterations?: number;
  /** Warm-up per task per round (default true: tinybench's own warm-up). */
  warmup?: boolean;
  /** Called once per round. */
  progress?: (message: string) => void;
}

interface Accumulated {
  medians: number[];
  p99s: number[];
  total: number;
  samples: number;
  min: number;
  max: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * A task: its function, and optionally what to do (untimed) before each call.
 * Write asynchronous tasks as `async` functions (or say `async: true`), so
 * tinybench needs no exploratory call to find out.
 */
export type TaskSpec = Fn | { fn: Fn; beforeEach?: FnHook; async?: boolean };

const isAsync = (fn: Fn) => fn.constructor.name === 'AsyncFunction';

/** Time each task (name -> function) against the others, interleaved by round. */
export async function compare<K extends string>(tasks: Record<K, TaskSpec>, options: MeasureOptions = {}): Promise<Record<K, Timing>> {
  const names = Object.keys(tasks) as K[];
  const rounds = options.rounds ?? 3;
  const acc = new Map<K, Accumulated>(names.map((n) => [n, { medians: [], p99s: [], total: 0, samples: 0, min: Infinity, max: -Infinity }]));
  for (let round = 0; round < rounds; round++) {
    options.progress?.(`round ${round + 1}/${rounds}: ${names.join(' vs ')}`);
    const order = round % 2 === 0 ? names : [...names].reverse();
    const bench = new Bench({
      time: options.time ?? 300,
      iterations: options.iterations ?? 10,
      warmup: options.warmup ?? true,
      warmupTime: Math.min(100, options.time ?? 300),
      warmupIterations: 2,
      throws: true,
      // Before each task's warm-up and its timed run (outside the timing).
      setup: collect,
    });
    for (const name of order) {
      const spec = tasks[name];
      if (typeof spec === 'function') bench.add(name, spec, { async: isAsync(spec) });
      else bench.add(name, spec.fn, { async: spec.async ?? isAsync(spec.fn), ...(spec.beforeEach ? { beforeEach: spec.beforeEach } : {}) });
    }
    await bench.run();
    for (const task of bench.tasks) {
      const result = task.result;
      if (result.state !== 'completed') throw new Error(`benchmark task ${task.name} did not complete (${result.state})`);
      const latency: Statistics = result.latency;
      const a = acc.get(task.name as K);
      if (!a) continue;
      a.medians.push(latency.p50);
      a.p99s.push(latency.p99);
      a.total += latency.mean * latency.samplesCount;
      a.samples += latency.samplesCount;
      a.min = Math.min(a.min, latency.min);
      a.max = Math.max(a.max, latency.max);
    }
  }
  const out = {} as Record<K, Timing>;
  for (const name of names) {
    const a = acc.get(name);
    if (!a) continue;
    out[name] = { median: median(a.medians), mean: a.total / a.samples, p99: median(a.p99s), min: a.min, max: a.max, samples: a.samples };
  }
  return out;
}

/** Time one task. */
export async function measure(fn: TaskSpec, options: MeasureOptions = {}): Promise<Timing> {
  return (await compare({ task: fn }, options)).task;
}

/** A human figure: 0.0123 ms, 1.23 ms, 123 ms, 1.23 s. */
export function fmtMs(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (n < 0) return `-${fmtMs(-n)}`;
  if (n >= 1000) return `${(n / 1000).toFixed(2)} s`;
  if (n >= 100) return `${n.toFixed(0)} ms`;
  if (n >= 1) return `${n.toFixed(2)} ms`;
  if (n >= 0.01) return `${n.toFixed(3)} ms`;
  return `${(n * 1000).toFixed(2)} µs`;
}

/** A ratio for a table: 412x, 23.4x, 1.9x. */
export function fmtRatio(r: number): string {
  if (!Number.isFinite(r)) return String(r);
  return r >= 100 ? `${r.toFixed(0)}x` : `${r.toFixed(1)}x`;
}

/** Round to a few significant figures for results.json. */
export function round(n: number, digits = 4): number {
  if (!Number.isFinite(n) || n === 0) return n;
  return Number(n.toPrecision(digits));
}
