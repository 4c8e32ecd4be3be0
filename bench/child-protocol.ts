/**
 * The IPC messages between the server bench and its helper processes (the
 * milestone server, the simulator, the bare proxy). Each child reports
 * `ready` with its URL (or `failed`), then answers:
 *   {type: 'gc'}    full GC (needs --expose-gc), reply {type: 'memory'}
 *   {type: 'speed'} set its simulator's speed (when it has one), reply {type: 'speed'}
 *   {type: 'pauses'} its garbage-collection pauses since the last ask, reply {type: 'pauses'}
 *   {type: 'close'} shut down cleanly and exit (also when the parent goes away)
 */
import { PerformanceObserver } from 'node:perf_hooks';
import type { Simulator } from '../fixtures/sim/index.ts';

/** Garbage-collection pauses of a child over a stretch of the bench (what a long tail is often made of). */
export interface GcPauses {
  count: number;
  totalMs: number;
  longestMs: number;
  /** Pauses longer than 5 ms: each can hold up every stream due a token meanwhile. */
  over5Ms: number;
}

export type ChildMessage =
  | { type: 'ready'; url: string }
  | { type: 'memory'; memory: NodeJS.MemoryUsage }
  | { type: 'speed' }
  | { type: 'pauses'; pauses: GcPauses }
  | { type: 'failed'; message: string };
export type ParentMessage = { type: 'gc' } | { type: 'speed'; speed: number } | { type: 'pauses' } | { type: 'close' };

const send = (m: ChildMessage): void => void process.send?.(m);

/** In a child: answer the parent's messages, then report ready at `url`. */
export function serveParent(url: string, child: { sim: Simulator | null; close: () => Promise<void> }): void {
  const close = () => void child.close().finally(() => process.exit(0));
  // A GC observer, not an event-loop delay monitor: that one's timer would wake the process every
  // millisecond and keep it warmer than a real idle server.
  // Running totals, not a list: the simulator and proxy children observe too but are never asked.
  let pauses = noPauses();
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) pauses = addPause(pauses, entry.duration);
  }).observe({ entryTypes: ['gc'] });
  process.on('message', (m: ParentMessage) => {
    if (m.type === 'pauses') {
      send({ type: 'pauses', pauses });
      pauses = noPauses();
    } else if (m.type === 'gc') {
      (globalThis as { gc?: () => void }).gc?.();
      send({ type: 'memory', memory: process.memoryUsage() });
    } else if (m.type === 'speed') {
      if (child.sim) child.sim.speed = m.speed;
      send({ type: 'speed' });
    } else close();
  });
  process.on('disconnect', close);
  send({ type: 'ready', url });
}

const noPauses = (): GcPauses => ({ count: 0, totalMs: 0, longestMs: 0, over5Ms: 0 });

function addPause(p: GcPauses, ms: number): GcPauses {
  return { count: p.count + 1, totalMs: p.totalMs + ms, longestMs: Math.max(p.longestMs, ms), over5Ms: p.over5Ms + (ms > 5 ? 1 : 0) };
}

/** The summary of these pauses, as a child reports it. */
export function summarisePauses(ms: readonly number[]): GcPauses {
  return ms.reduce(addPause, noPauses());
}

/** In a child: report a start-up failure to the parent and exit. */
export function failed(e: unknown): never {
  send({ type: 'failed', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  process.exit(1);
}
