import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startProviderMock } from '../fixtures/sim/msw.ts';
import { recordingFetch, type Recording } from '../fixtures/sim/recorder.ts';
import { quantile, ms, type Bench, type BenchRow } from './types.ts';

/**
 * Replay fidelity at speed 1: every read of the long cassette, as the real SDK
 * receives it, compared with the offset the cassette recorded. The baseline
 * is the cassette itself; the error is arrival minus recorded offset.
 */
export const replayFidelity: Bench = {
  id: 'replay',
  title: 'Replay fidelity at speed 1 through the real SDKs',
  note: 'Every read of the explain-rag cassette as the real SDK receives it (through MSW, speed 1), compared with the offset the cassette recorded; 3 replays per provider after a warm-up.',
  async run(progress) {
    const mock = startProviderMock({ speed: 1 });
    const rows: BenchRow[] = [];
    try {
      for (const provider of ['anthropic', 'openai'] as const) {
        const cassette = mock.sim.cassettes.find((c) => c.header.provider === provider && c.header.name === 'explain-rag');
        if (!cassette) throw new Error(`the ${provider} explain-rag cassette is missing: run npm run fixtures:synthesise`);
        const errors: number[] = [];
        const runs = 3;
        // Run 0 warms up the SDK, MSW and the JIT; it is not counted.
        for (let run = 0; run <= runs; run++) {
          progress(run === 0 ? `${provider}: warm-up replay of explain-rag (about 9 s)` : `${provider}: replay ${run}/${runs} of explain-rag (about 9 s each)`);
          const recordings: Recording[] = [];
          const fetch = recordingFetch(globalThis.fetch, recordings);
          if (provider === 'anthropic') {
            const client = new Anthropic({ apiKey: 'sim', fetch, maxRetries: 0 });
            await client.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 2048, messages: [{ role: 'user', content: 'Explain RAG in detail' }] }).finalMessage();
          } else {
            const client = new OpenAI({ apiKey: 'sim', fetch, maxRetries: 0 });
            await client.chat.completions.stream({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Explain RAG in detail' }], stream_options: { include_usage: true } }).finalChatCompletion();
          }
          const rec = recordings[0];
          // Reads may be coalesced by the transport; match each received read to the recorded read it ends with.
          let received = 0;
          let recordedIndex = 0;
          let recordedBytes = 0;
          for (const chunk of rec.chunks) {
            received += chunk.bytes.length;
            while (recordedIndex < cassette.timeline.chunks.length && recordedBytes + cassette.timeline.chunks[recordedIndex].bytes.length <= received) {
              recordedBytes += cassette.timeline.chunks[recordedIndex].bytes.length;
              recordedIndex++;
            }
            const expected = cassette.timeline.chunks[recordedIndex - 1]?.t;
            if (expected !== undefined && run > 0) errors.push(Math.abs(chunk.t - expected));
          }
        }
        errors.sort((a, b) => a - b);
        const median = quantile(errors, 0.5);
        const p95 = quantile(errors, 0.95);
        rows.push({
          what: `replay fidelity, ${provider} explain-rag (${cassette.timeline.chunks.length} reads x ${runs})`,
          baseline: "the cassette's recorded offsets",
          result: `median error ${ms(median)}, p95 ${ms(p95)}, max ${ms(errors[errors.length - 1])}`,
          target: 'median <= 2 ms, p95 <= 5 ms',
          met: median <= 2 && p95 <= 5,
          data: { median, p95, max: errors[errors.length - 1], samples: errors.length },
        });
      }
    } finally {
      mock.close();
    }
    return rows;
  },
};
