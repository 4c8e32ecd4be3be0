/**
 * The IPC messages between the server bench and its helper processes (the
 * milestone server, the simulator, the bare proxy). Each child reports
 * `ready` with its URL (or `failed`), then answers:
 *   {type: 'gc'}    full GC (needs --expose-gc), reply {type: 'memory'}
 *   {type: 'speed'} set its simulator's speed (when it has one), reply {type: 'speed'}
 *   {type: 'close'} shut down cleanly and exit (also when the parent goes away)
 */
import type { Simulator } from '../fixtures/sim/index.ts';

export type ChildMessage = { type: 'ready'; url: string } | { type: 'memory'; memory: NodeJS.MemoryUsage } | { type: 'speed' } | { type: 'failed'; message: string };
export type ParentMessage = { type: 'gc' } | { type: 'speed'; speed: number } | { type: 'close' };

const send = (m: ChildMessage): void => void process.send?.(m);

/** In a child: answer the parent's messages, then report ready at `url`. */
export function serveParent(url: string, child: { sim: Simulator | null; close: () => Promise<void> }): void {
  const close = () => void child.close().finally(() => process.exit(0));
  process.on('message', (m: ParentMessage) => {
    if (m.type === 'gc') {
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

/** In a child: report a start-up failure to the parent and exit. */
export function failed(e: unknown): never {
  send({ type: 'failed', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  process.exit(1);
}
