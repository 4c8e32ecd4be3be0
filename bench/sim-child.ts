/**
 * The provider simulator over HTTP in a process of its own (synthetic model,
 * no cassettes), for the server bench: the direct path's provider, and the
 * server's upstream when it calls one over HTTP. In its own process so the
 * direct path crosses a process boundary each way, as the path through the
 * server does. Answers speed and close; see child-protocol.ts.
 */
import { startProviderServer } from '../fixtures/sim/index.ts';
import { failed, send, type ParentMessage } from './child-protocol.ts';

try {
  const sim = await startProviderServer({ speed: 0, cassettes: false });
  const close = () => void sim.close().finally(() => process.exit(0));
  process.on('message', (m: ParentMessage) => {
    if (m.type === 'speed') {
      sim.sim.speed = m.speed;
      send({ type: 'speed' });
    } else if (m.type === 'close') close();
  });
  process.on('disconnect', close);
  send({ type: 'ready', url: sim.url });
} catch (e) {
  failed(e);
}
