import { startTcpProxy } from '../test-support/tcp-proxy.ts';

/**
 * A counting TCP proxy in front of Redis: it forwards bytes both ways and
 * records, for each round trip, the commands the client sent in it.
 *
 * A round trip is one burst of client bytes followed by the server's reply:
 * every time bytes flow client -> server after the server has answered, a new
 * round trip starts. A MULTI/EXEC block or a pipeline sent in one write is one
 * round trip; awaiting each command in turn is one per command. Commands are
 * read from the RESP arrays the client writes (`*<n>\r\n$<len>\r\n<name>...`).
 */

export interface RoundTrip {
  /** Upper-cased command names sent in this round trip, in order. */
  commands: string[];
  /** Bytes the client sent in it. */
  bytes: number;
}

export interface CountingProxy {
  port: number;
  url: string;
  /** Round trips since the last reset, over every connection through the proxy. */
  readonly trips: RoundTrip[];
  reset(): void;
  close(): Promise<void>;
}

/** Incremental parser of the client's RESP arrays: feed bytes, get complete commands' names. */
export class RespCommandReader {
  #buffer: Buffer = Buffer.alloc(0);

  feed(chunk: Buffer): string[] {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const names: string[] = [];
    for (;;) {
      const parsed = this.#next();
      if (parsed === null) break;
      names.push(parsed);
    }
    return names;
  }

  /** One whole command from the front of the buffer, or null when it has not all arrived. */
  #next(): string | null {
    const buf = this.#buffer;
    if (buf.length === 0) return null;
    if (buf[0] !== 0x2a /* '*' */) {
      // An inline command (PING\r\n): the first word.
      const end = buf.indexOf('\r\n');
      if (end < 0) return null;
      this.#buffer = buf.subarray(end + 2);
      return buf.subarray(0, end).toString('latin1').split(' ')[0].toUpperCase();
    }
    let pos = buf.indexOf('\r\n');
    if (pos < 0) return null;
    const count = Number(buf.subarray(1, pos).toString('latin1'));
    pos += 2;
    let name = '';
    for (let i = 0; i < count; i++) {
      if (pos >= buf.length || buf[pos] !== 0x24 /* '$' */) return null;
      const lineEnd = buf.indexOf('\r\n', pos);
      if (lineEnd < 0) return null;
      const len = Number(buf.subarray(pos + 1, lineEnd).toString('latin1'));
      const start = lineEnd + 2;
      if (start + len + 2 > buf.length) return null;
      if (i === 0) name = buf.subarray(start, start + len).toString('latin1').toUpperCase();
      pos = start + len + 2;
    }
    this.#buffer = buf.subarray(pos);
    return name;
  }
}

/**
 * `delayMs` holds every chunk that long in each direction (Node timers: at
 * least 1 ms), to stand in for a Redis across a network instead of on loopback.
 * The pass-through itself is test-support's TCP proxy; this adds the counting.
 */
export async function startCountingProxy(target: { host: string; port: number }, options: { delayMs?: number } = {}): Promise<CountingProxy> {
  const trips: RoundTrip[] = [];
  const proxy = await startTcpProxy(target, {
    delayMs: options.delayMs,
    tap: () => {
      const reader = new RespCommandReader();
      let current: RoundTrip | null = null;
      return {
        fromClient: (chunk) => {
          if (current === null) {
            current = { commands: [], bytes: 0 };
            trips.push(current);
          }
          current.bytes += chunk.length;
          current.commands.push(...reader.feed(chunk));
        },
        fromServer: () => {
          current = null; // the server answered: the next client bytes start a new round trip
        },
      };
    },
  });
  return {
    port: proxy.port,
    url: `redis://127.0.0.1:${proxy.port}`,
    trips,
    reset: () => {
      trips.length = 0;
    },
    close: () => proxy.close(),
  };
}
