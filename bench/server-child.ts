/**
 * The milestone server alone in its own process, for the server bench (so its
 * memory and its event loop are its own): started from BENCH_SERVER_CONFIG
 * (JSON, a partial ServerConfig). Answers gc, speed (its in-process simulator,
 * when it has one) and close; see child-protocol.ts.
 */
import { startServer } from '../labs/milestone/server/server.ts';
import type { ServerConfig } from '../labs/milestone/server/config.ts';
import { failed, send, type ParentMessage } from './child-protocol.ts';

try {
  const config = JSON.parse(process.env.BENCH_SERVER_CONFIG ?? '{}') as Partial<ServerConfig>;
  const server = await startServer({ ...config, quiet: true });
  const close = () => void server.close().finally(() => process.exit(0));
  process.on('message', (m: ParentMessage) => {
    if (m.type === 'gc') {
      (globalThis as { gc?: () => void }).gc?.();
      send({ type: 'memory', memory: process.memoryUsage() });
    } else if (m.type === 'speed') {
      if (server.provider.sim) server.provider.sim.speed = m.speed;
      send({ type: 'speed' });
    } else if (m.type === 'close') close();
  });
  process.on('disconnect', close);
  send({ type: 'ready', url: server.url });
} catch (e) {
  failed(e);
}
