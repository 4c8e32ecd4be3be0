/**
 * The milestone server alone in its own process, for the server bench (so its
 * memory is its own): started from BENCH_SERVER_CONFIG (JSON, a partial
 * ServerConfig), it reports its URL over IPC and answers two messages:
 *   {type: 'gc'}    collect garbage (needs --expose-gc), reply with process.memoryUsage()
 *   {type: 'close'} shut down cleanly and exit
 */
import { startServer } from '../labs/milestone/server/server.ts';
import type { ServerConfig } from '../labs/milestone/server/config.ts';

export type ChildMessage = { type: 'ready'; url: string } | { type: 'memory'; memory: NodeJS.MemoryUsage } | { type: 'failed'; message: string };
export type ParentMessage = { type: 'gc' } | { type: 'close' };

const send = (m: ChildMessage) => process.send?.(m);

try {
  const config = JSON.parse(process.env.BENCH_SERVER_CONFIG ?? '{}') as Partial<ServerConfig>;
  const server = await startServer({ ...config, quiet: true });
  process.on('message', (m: ParentMessage) => {
    if (m.type === 'gc') {
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      send({ type: 'memory', memory: process.memoryUsage() });
    } else if (m.type === 'close') {
      void server.close().finally(() => process.exit(0));
    }
  });
  process.on('disconnect', () => void server.close().finally(() => process.exit(0)));
  send({ type: 'ready', url: server.url });
} catch (e) {
  send({ type: 'failed', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  process.exit(1);
}
