/**
 * The provider simulator over HTTP in a process of its own (synthetic model,
 * no cassettes), for the server bench: the direct path's provider, and the
 * server's upstream when it calls one over HTTP. In its own process so the
 * direct path crosses a process boundary each way, as the path through the
 * server does. Answers speed and close; see child-protocol.ts.
 */
import { startProviderServer } from '../fixtures/sim/index.ts';
import { failed, serveParent } from './child-protocol.ts';

try {
  const sim = await startProviderServer({ speed: 0, cassettes: false, keepRequests: 0 });
  serveParent(sim.url, { sim: sim.sim, close: () => sim.close() });
} catch (e) {
  failed(e);
}
