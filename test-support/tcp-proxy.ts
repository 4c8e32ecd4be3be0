import net from 'node:net';

/**
 * A TCP pass-through in front of a real service (Redis, a provider server),
 * for outage tests: down() drops every connection and refuses new ones, up()
 * accepts again on the same port. Options add a delay (a network instead of
 * loopback) and taps on the bytes (the Redis bench counts round trips). The service itself is never touched, so
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

export interface TcpProxyOptions {
  /** Hold every chunk this long in each direction (Node timers: at least 1 ms), to stand in for a network. */
  delayMs?: number;
  /** Called once per connection; its taps see every chunk before it is forwarded (e.g. to count round trips). */
  tap?: () => { fromClient?(chunk: Buffer): void; fromServer?(chunk: Buffer): void };
}

export async function startTcpProxy(target: { host: string; port: number }, options: TcpProxyOptions = {}): Promise<TcpProxy> {
  const delay = options.delayMs ?? 0;
  const forward = (to: net.Socket, chunk: Buffer) => {
    if (delay > 0) setTimeout(() => to.write(chunk), delay);
    else to.write(chunk);
  };
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
        const tap = options.tap?.();
        client.on('data', (chunk: Buffer) => {
          tap?.fromClient?.(chunk);
          forward(upstream, chunk);
        });
        upstream.on('data', (chunk: Buffer) => {
          tap?.fromServer?.(chunk);
          if (!muted) forward(client, chunk);
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
