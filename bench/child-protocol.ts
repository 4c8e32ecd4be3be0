/**
 * The IPC messages between the server bench and its helper processes (the
 * milestone server, the simulator, the bare proxy). Each child reports
 * `ready` with its URL (or `failed`), then answers what its role supports:
 *   {type: 'gc'}    full GC (needs --expose-gc), reply {type: 'memory'}
 *   {type: 'speed'} set the simulator's speed, reply {type: 'speed'}
 *   {type: 'close'} shut down cleanly and exit
 */
export type ChildMessage = { type: 'ready'; url: string } | { type: 'memory'; memory: NodeJS.MemoryUsage } | { type: 'speed' } | { type: 'failed'; message: string };
export type ParentMessage = { type: 'gc' } | { type: 'speed'; speed: number } | { type: 'close' };

export const send = (m: ChildMessage): void => void process.send?.(m);

/** Report a start-up failure to the parent and exit. */
export function failed(e: unknown): never {
  send({ type: 'failed', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  process.exit(1);
}
