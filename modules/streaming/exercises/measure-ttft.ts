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
 *
 * Run its tests: LAB_TARGET=exercises npx vitest run modules/streaming -t measure-ttft
 */
import { todo } from '../../shared/not-implemented.ts';
import { NoTextStreamedError } from '../given/errors.ts'; // throw it when no text at all arrived

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

/** Measure one streamed reply. `start` makes the request and returns its text stream (or a promise of it). */
export async function measureTtft(start: () => AsyncIterable<string> | Promise<AsyncIterable<string>>, options: MeasureOptions = {}): Promise<TtftSample> {
  return todo('measure-ttft');
}

/** Measure one non-streamed reply: `call` resolves with the whole text; the first token is seen with the last. */
export async function measureNonStreaming(call: () => Promise<string>, options: MeasureOptions = {}): Promise<TtftSample> {
  return todo('measure-ttft');
}
