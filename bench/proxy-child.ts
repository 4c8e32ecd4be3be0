/**
 * A bare pass-through proxy in a process of its own, for the server bench's
 * floor: what a second HTTP hop costs with no framework, store, tokenizer or
 * SDK. node:http in, node:http out (keep-alive), the client's body and
 * headers forwarded as they are, the reply piped back chunk by chunk. Started
 * with PROXY_TARGET (the simulator's URL); answers close (child-protocol.ts).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveParent } from './child-protocol.ts';

const target = new URL(process.env.PROXY_TARGET ?? 'http://127.0.0.1:1');
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

const server = http.createServer((req, res) => {
  const upstream = http.request(
    { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host }, agent },
    (reply) => {
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.on('data', (chunk: Buffer) => res.write(chunk));
      reply.on('end', () => res.end());
    },
  );
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
});

server.listen(0, '127.0.0.1', () =>
  serveParent(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { sim: null, close: async () => server.closeAllConnections() }),
);
