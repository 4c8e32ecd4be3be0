/**
 * The milestone server alone in its own process, for the server bench (so its
 * memory and its event loop are its own): started from BENCH_SERVER_CONFIG
 * (JSON, a partial ServerConfig). Answers gc, speed (its in-process simulator,
 * when it has one) and close; see child-protocol.ts.
 */
import { startServer } from '../labs/milestone/server/server.ts';
import type { ServerConfig } from '../labs/milestone/server/config.ts';
import { failed, serveParent } from './child-protocol.ts';

try {
  const config = JSON.parse(process.env.BENCH_SERVER_CONFIG ?? '{}') as Partial<ServerConfig>;
  const server = await startServer({ ...config, quiet: true });
  serveParent(server.url, { sim: server.provider.sim, close: () => server.close() });
} catch (e) {
  failed(e);
}
