import { contextWindow } from './context-window.ts';
import { grader } from './grader.ts';
import { growth } from './growth.ts';
import { milestoneServer } from './milestone-server.ts';
import { redisStore } from './redis-store.ts';
import { serverHistory } from './server-history.ts';
import { replayFidelity } from './replay-fidelity.ts';
import { sqliteStore } from './sqlite-store.ts';
import { tokenizers } from './tokenizers.ts';
import type { Bench, BenchRow } from './types.ts';

/**
 * Every benchmark, in the order `npm run bench` runs them: the timing-sensitive
 * replay first, the ones that load both cores (server, grader) last.
 */
export const benches: Bench[] = [replayFidelity, contextWindow, tokenizers, sqliteStore, redisStore, growth, serverHistory, milestoneServer, grader];

export interface BenchResult {
  id: string;
  title: string;
  /** ISO time this bench was measured (results of an earlier run are kept by --only). */
  measuredAt: string;
  /** What was measured and how (the bench's note). */
  note?: string;
  rows: BenchRow[];
}

export interface ResultsFile {
  date: string;
  machine: { node: string; cpus: number; cpu: string; memoryGiB: number };
  results: BenchResult[];
}

/** Keep the earlier results of the benches not run this time; order as in `benches`. */
export function mergeResults(previous: BenchResult[], fresh: BenchResult[]): BenchResult[] {
  const byId = new Map<string, BenchResult>(previous.map((r) => [r.id, { ...r, note: r.note ?? benches.find((b) => b.id === r.id)?.note }]));
  for (const r of fresh) byId.set(r.id, r);
  const order = (id: string) => {
    const i = benches.findIndex((b) => b.id === id);
    return i < 0 ? benches.length : i;
  };
  return [...byId.values()].sort((a, b) => order(a.id) - order(b.id));
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** bench/RESULTS.md: one table per bench, each with when it was measured. */
export function resultsMarkdown(file: ResultsFile): string {
  const m = file.machine;
  const lines = [
    '# Benchmark results',
    '',
    `Last run ${file.date.slice(0, 10)} on ${m.cpus} cores (${m.cpu}), Node ${m.node}. Every figure is against a baseline measured in the same run, and every timed task starts from a collected heap; ` +
      'absolute times on a shared machine are noisy, ratios less so. Re-run with `npm run bench` (one bench: `npm run bench -- --only <id>`).',
    '',
  ];
  for (const r of file.results) {
    lines.push(`## ${cell(r.title)}`, '', `\`${r.id}\`, measured ${r.measuredAt.slice(0, 16).replace('T', ' ')} UTC.${r.note ? ` ${r.note}` : ''}`, '');
    lines.push('| what | baseline (same run) | result | target | met |', '| --- | --- | --- | --- | --- |');
    for (const row of r.rows) {
      lines.push(`| ${cell(row.what)} | ${cell(row.baseline)} | ${cell(row.result)} | ${cell(row.target)} | ${row.met === null ? 'report' : row.met ? 'yes' : '**no**'} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
