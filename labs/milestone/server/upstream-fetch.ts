/**
 * The `fetch` the server hands to the SDKs for its upstream calls: node:http
 * (or https) over a keep-alive agent, returning a web-standard Response.
 *
 * Why not the global fetch: every open stream holds its upstream response,
 * and on Node 20 undici's holds more: with 1,000 streams open the server kept
 * ~64 KiB per stream (RSS and live heap) through undici against ~30 KiB RSS
 * and ~46 KiB heap through this, and spent a third more time in GC pauses
 * (the bench holds memory to <= 64 KiB per stream). The first token comes as
 * soon either way. Both SDKs take a `fetch` option for exactly this. The rules it keeps, as the SDKs expect of
 * fetch: an abort before the response rejects with the signal's reason (an
 * AbortError), an abort after it errors the body; a connection failure
 * rejects with TypeError('fetch failed'); gzip/deflate/br bodies are decoded.
 * Anything it does not handle (a Request object, a streamed or form body)
 * goes to the global fetch.
 */
import http from 'node:http';
import https from 'node:https';
import { pipeline, type Readable } from 'node:stream';
import zlib from 'node:zlib';

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface UpstreamFetch extends FetchLike {
  /** Close the idle keep-alive sockets (on shutdown). */
  close(): void;
}

const NULL_BODY = new Set([101, 103, 204, 205, 304]);

const abortReason = (signal: AbortSignal): unknown => signal.reason ?? new DOMException('This operation was aborted', 'AbortError');

function plainHeaders(init: HeadersInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (init === undefined) return out;
  (init instanceof Headers ? init : new Headers(init)).forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

/**
 * A node stream as a web ReadableStream: a chunk is enqueued as it arrives and
 * the socket is paused while 16 chunks wait unread. Leaner per chunk than
 * Readable.toWeb on Node 20, and every token of a reply passes through here.
 */
function toWebStream(body: Readable): ReadableStream<Uint8Array> {
  let settled = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const settle = (end: () => void) => {
          if (settled) return;
          settled = true;
          end();
        };
        body.on('data', (chunk: Buffer) => {
          if (settled) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) body.pause();
        });
        body.once('end', () => settle(() => controller.close()));
        body.once('error', (error) => settle(() => controller.error(error)));
        // Destroyed without an error (the socket went away): the body is cut short, which is an error.
        body.once('close', () => settle(() => controller.error(new TypeError('terminated', { cause: new Error('The connection closed before the body ended.') }))));
      },
      pull() {
        body.resume();
      },
      cancel(reason) {
        settled = true;
        body.destroy(reason instanceof Error ? reason : undefined);
      },
    },
    { highWaterMark: 16 },
  );
}

function decoded(res: http.IncomingMessage): Readable {
  const decoder = (() => {
    switch (res.headers['content-encoding']) {
      case 'gzip':
      case 'x-gzip':
        return zlib.createGunzip();
      case 'deflate':
        return zlib.createInflate();
      case 'br':
        return zlib.createBrotliDecompress();
      default:
        return null;
    }
  })();
  // pipeline, not pipe: a connection cut mid-body must error the decoded stream too.
  return decoder === null ? res : pipeline(res, decoder, () => {});
}

export function upstreamFetch(): UpstreamFetch {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: Infinity }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: Infinity }),
  };

  const fetchVia: FetchLike = (input, init = {}) => {
    const sent = init.body ?? undefined;
    const payload = sent === undefined || typeof sent === 'string' || sent instanceof Uint8Array ? sent : sent instanceof ArrayBuffer ? new Uint8Array(sent) : null;
    if (input instanceof Request || payload === null) return fetch(input, init);
    const url = input instanceof URL ? input : new URL(input);
    const agent = url.protocol === 'https:' ? agents['https:'] : url.protocol === 'http:' ? agents['http:'] : null;
    if (agent === null) return fetch(input, init);
    const signal = init.signal ?? null;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<Response>((resolve, reject) => {
      const request = (url.protocol === 'https:' ? https : http).request(url, { method: init.method ?? 'GET', headers: plainHeaders(init.headers), agent });
      let body: Readable | null = null; // once the response is here, an abort errors its body with the reason
      const onAbort = () => {
        const reason = abortReason(signal as AbortSignal) as Error;
        body?.destroy(reason);
        request.destroy(reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      request.on('error', (error) => {
        done();
        reject(signal?.aborted ? abortReason(signal) : new TypeError('fetch failed', { cause: error }));
      });
      request.on('response', (res) => {
        res.on('close', done);
        const headers = new Headers();
        for (let i = 0; i < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i], res.rawHeaders[i + 1]);
        const status = res.statusCode ?? 0;
        let stream: ReadableStream<Uint8Array> | null = null;
        if (NULL_BODY.has(status) || init.method === 'HEAD') res.resume();
        else {
          body = decoded(res);
          stream = toWebStream(body);
        }
        const response = new Response(stream, { status, statusText: res.statusMessage ?? '', headers });
        Object.defineProperty(response, 'url', { value: url.href });
        resolve(response);
      });
      request.end(payload);
    });
  };

  return Object.assign(fetchVia, {
    close: () => {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  });
}
