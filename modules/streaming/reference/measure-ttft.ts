/**
 * Exercise measure-ttft: time to first token (TTFT) and total time.
 *
 * Start the clock before the request is made (the SDK sends it when the
 * stream is created), stop the first clock at the first piece of text that is
 * not empty (OpenAI's first chunk carries only the role) and the second when
 * the stream ends. Without streaming, the first token the user sees arrives
 * with the last, so TTFT equals the total time.
 *
 * The clock is a parameter so a test can drive it; the default is
 * performance.now(), which is monotonic (Date.now() can jump).
 */
import { NoTextStreamedError } from '../given/errors.ts';

export interface TtftSample {
  /** ms from the start to the first non-empty text. */
  ttftMs: number;
  /** ms from the start to the end of the stream. */
  totalMs: number;
  /** Non-empty text pieces received. */
  chunks: number;
  text: string;
}

export interface MeasureOptions {
  /** A monotonic clock in ms; default performance.now. */
  now?: () => number;
}

/** Measure one streamed reply. `start` makes the request and returns its text stream. */
export async function measureTtft(start: () => AsyncIterable<string> | Promise<AsyncIterable<string>>, options: MeasureOptions = {}): Promise<TtftSample> {
  const now = options.now ?? (() => performance.now());
  const startedAt = now();
  const stream = await start();
  let firstAt: number | undefined;
  let chunks = 0;
  let text = '';
  for await (const piece of stream) {
    if (piece === '') continue;
    firstAt ??= now();
    chunks++;
    text += piece;
  }
  const endedAt = now();
  if (firstAt === undefined) throw new NoTextStreamedError();
  return { ttftMs: firstAt - startedAt, totalMs: endedAt - startedAt, chunks, text };
}

/** Measure one non-streamed reply: `call` resolves with the whole text; the first token is seen with the last. */
export async function measureNonStreaming(call: () => Promise<string>, options: MeasureOptions = {}): Promise<TtftSample> {
  const now = options.now ?? (() => performance.now());
  const startedAt = now();
  const text = await call();
  const endedAt = now();
  if (text === '') throw new NoTextStreamedError();
  return { ttftMs: endedAt - startedAt, totalMs: endedAt - startedAt, chunks: 1, text };
}
