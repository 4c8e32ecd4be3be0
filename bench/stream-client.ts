import http from 'node:http';

/**
 * A bare streaming HTTP client for the load test: POST a JSON body, note when
 * the first text event arrives, read the stream to its end, and check that it
 * ended the way a good stream ends. node:http, not fetch: nothing between the
 * socket and the clock but Node itself, and an Agent that allows thousands of
 * sockets.
 */

export interface StreamSpec {
  url: string;
  body: unknown;
  /** Bytes that appear in the first text event, e.g. `data: {"text"` or `"text_delta"`. */
  firstText: string;
  /** Bytes that prove the stream completed, e.g. `"done":true` or `message_stop`. */
  completed: string;
  /** Bytes that mean an error event, e.g. `data: {"error"` or `event: error`. */
  errorEvent: string;
  headers?: Record<string, string>;
}

export interface StreamResult {
  /** ms from sending the request to the first text event; NaN when none came. */
  ttft: number;
  status: number;
  /** null when the stream was fine; otherwise what went wrong. */
  error: string | null;
  /** A response header the caller asked about (e.g. X-Session-Id). */
  header: string | null;
  /** Sent again on a fresh socket: the first went out on a keep-alive socket the server had just closed. */
  retried?: true;
}

export function streamingAgent(): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 4096 });
}

/**
 * Run one streaming request to its end. Never rejects: failures are in `error`.
 *
 * A keep-alive socket can be closed by the server (its idle timeout) just as
 * the agent hands it to a new request: the request then fails with
 * ECONNRESET before any response. That is the client's race, not the
 * server's failure, and browsers retry it; so does this, once, on a fresh
 * connection of its own (Node's documented pattern: `request.reusedSocket`),
 * with the clock restarted. `retried` says it happened.
 */
export async function runStream(
  agent: http.Agent,
  spec: StreamSpec,
  options: { header?: string; timeoutMs?: number; onResponse?: () => void } = {},
): Promise<StreamResult> {
  const first = await attempt(agent, spec, options);
  if (!first.staleSocket) return first.result;
  return { ...(await attempt(false, spec, options)).result, retried: true };
}

function attempt(
  agent: http.Agent | false,
  spec: StreamSpec,
  options: { header?: string; timeoutMs?: number; onResponse?: () => void },
): Promise<{ result: StreamResult; staleSocket: boolean }> {
  const payload = Buffer.from(JSON.stringify(spec.body));
  return new Promise((resolve) => {
    let started = 0;
    let ttft = NaN;
    let status = 0;
    let header: string | null = null;
    let tail = '';
    let sawEnd = false;
    let sawError = false;
    let settled = false;
    const finish = (error: string | null, staleSocket = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ result: { ttft, status, error, header }, staleSocket });
    };
    const req = http.request(
      spec.url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': payload.length, ...spec.headers } },
      (res) => {
        status = res.statusCode ?? 0;
        if (options.header) header = (res.headers[options.header.toLowerCase()] as string | undefined) ?? null;
        options.onResponse?.();
        res.on('data', (chunk: Buffer) => {
          // Markers are ASCII: latin1 keeps every byte, and a marker split across reads is found in tail + chunk.
          const text = tail + chunk.toString('latin1');
          if (Number.isNaN(ttft) && text.includes(spec.firstText)) ttft = performance.now() - started;
          if (text.includes(spec.errorEvent)) sawError = true;
          if (text.includes(spec.completed)) sawEnd = true;
          tail = text.slice(-64);
        });
        res.on('end', () => {
          if (status !== 200) finish(`HTTP ${status}`);
          else if (sawError) finish('error event in the stream');
          else if (!sawEnd) finish('stream ended without its completion event');
          else if (Number.isNaN(ttft)) finish('no text event');
          else finish(null);
        });
        res.on('error', (e) => finish(`response: ${e.message}`));
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error('timed out'));
      finish(`timed out after ${options.timeoutMs ?? 60_000} ms`);
    }, options.timeoutMs ?? 60_000);
    req.on('error', (e: NodeJS.ErrnoException) => finish(`request: ${e.message}`, req.reusedSocket && status === 0 && e.code === 'ECONNRESET'));
    started = performance.now();
    req.end(payload);
  });
}

/** Start `count` calls spread evenly over `rampMs` (the first at once); resolve with all their results. */
export async function ramp<T>(count: number, rampMs: number, start: (i: number) => Promise<T>): Promise<T[]> {
  const t0 = performance.now();
  const pending: Promise<T>[] = [];
  for (let i = 0; i < count; i++) {
    const due = t0 + (count <= 1 ? 0 : (i * rampMs) / count);
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(start(i));
  }
  return Promise.all(pending);
}
