/** The lab's data: one sample per run, and the summary the table, chart, report and results.json share. */
import type { Stats } from './stats.ts';

export type Provider = 'anthropic' | 'openai';
export type Mode = 'streaming' | 'blocking';

export interface Sample {
  provider: Provider;
  mode: Mode;
  run: number;
  /** Where the reply came from: a recorded cassette, the synthetic model, or the live API. */
  source: string;
  ttftMs?: number;
  totalMs?: number;
  /** Non-empty text pieces received (1 for a blocking call). */
  chunks?: number;
  chars?: number;
  outputTokens?: number;
  /** Set when the run failed; the timings are then absent. */
  error?: string;
}

export interface Row {
  provider: Provider;
  mode: Mode;
  ttft: Stats;
  total: Stats;
  failed: number;
}

export interface Comparison {
  provider: Provider;
  /** Blocking TTFT median / streaming TTFT median: how much sooner the first token arrives when streaming. */
  firstTokenSooner: number;
  /** Streaming total median / blocking total median: ~1 means the same total time. */
  totalRatio: number;
  streamingTtftMs: number;
  streamingTotalMs: number;
  blockingTotalMs: number;
}

export interface Settings {
  runs: number;
  providers: Provider[];
  speed: number;
  live: boolean;
  prompt: string;
  models: Record<Provider, string>;
}
