import net from 'node:net';

/**
 * A TCP pass-through in front of a real service (Redis, a provider server),
 * for outage tests: down() drops every connection and refuses new ones, up()
 * accepts again on the same port. The service itself is never touched, so
 * other tests sharing it are unaffected.
 */
export interface TcpProxy {
  /** The port clients should connect to (127.0.0.1). */
  readonly port: number;
  /** Is it accepting connections? */
  readonly isUp: boolean;
  /**
   * Keep forwarding requests but throw the replies away (a request that
   * reached the server whose answer was lost). Pair with down() and up() to
   * give the client a clean connection again.
   */
  mute(on: boolean): void;
  /** Drop all connections and refuse new ones. */
  down(): Promise<void>;
  /** Accept connections again, on the same port. */
  up(): Promise<void>;
  /** Stop for good. */
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let server: net.Server | null = null;
  let port = 0;
  let muted = false;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = net.createServer((client) => {
        const upstream = net.connect(target);
        sockets.add(client);
        sockets.add(upstream);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
        client.pipe(upstream);
        upstream.on('data', (chunk: Buffer) => {
          if (!muted) client.write(chunk);
        });
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as net.AddressInfo).port;
        server = s;
        resolve();
      });
    });

  const stop = () =>
    new Promise<void>((resolve) => {
      const s = server;
      server = null;
      for (const sock of sockets) sock.destroy();
      sockets.clear();
      if (!s) return resolve();
      s.close(() => resolve());
    });

  await listen();
  return {
    get port() {
      return port;
    },
    get isUp() {
      return server !== null;
    },
    mute: (on: boolean) => {
      muted = on;
    },
    down: stop,
    up: async () => {
      if (!server) await listen();
    },
    close: stop,
  };
}

/** A local port with nothing listening on it (for "cannot connect" tests). */
export async function unusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
