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
  let pauses: number[] = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) pauses.push(entry.duration);
  }).observe({ entryTypes: ['gc'] });
  process.on('message', (m: ParentMessage) => {
    if (m.type === 'pauses') {
      send({ type: 'pauses', pauses: summarisePauses(pauses) });
      pauses = [];
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

export function summarisePauses(ms: readonly number[]): GcPauses {
  return {
    count: ms.length,
    totalMs: ms.reduce((a, b) => a + b, 0),
    longestMs: ms.reduce((a, b) => Math.max(a, b), 0),
    over5Ms: ms.filter((d) => d > 5).length,
  };
}

/** In a child: report a start-up failure to the parent and exit. */
export function failed(e: unknown): never {
  send({ type: 'failed', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  process.exit(1);
}
