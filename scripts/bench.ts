/** npm run bench — measure what makes the workbench fast or slow, each figure against a baseline from the same run. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCommand, runMain, paint, UsageError } from './lib/cli.ts';
import { benches, mergeResults, resultsMarkdown, type BenchResult, type ResultsFile } from '../bench/registry.ts';
import type { BenchRow } from '../bench/types.ts';

/** The results already written (kept for the benches --only leaves out); [] when there are none or they do not parse. */
function previousResults(file: string): BenchResult[] {
  if (!existsSync(file)) return [];
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<ResultsFile>;
    return (parsed.results ?? []).map((r) => ({ ...r, measuredAt: r.measuredAt ?? parsed.date ?? '' }));
  } catch {
    return [];
  }
}

runMain(async () => {
  const { values } = parseCommand({
    name: 'bench',
    summary: 'run the benchmarks and write bench/results.json and bench/RESULTS.md (exit status 1 when a target was missed)',
    usage: 'npm run bench [-- --only <id,id>] [--out <dir>]',
    options: { only: { type: 'string' }, out: { type: 'string' } },
    help: [
      ['--only <ids>', `comma-separated subset: ${benches.map((b) => b.id).join(', ')} (the others' earlier results are kept)`],
      ['--out <dir>', 'where to write results.json and RESULTS.md (default: bench/)'],
    ],
    examples: [
      'npm run bench',
      'npm run bench -- --only context,tokens,sqlite,redis,growth',
      "BENCH_SERVER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' npm run bench -- --only server   (Node flags for the server's own process)",
    ],
  });
  const wanted = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = wanted?.filter((id) => !benches.some((b) => b.id === id));
  if (unknown?.length) throw new UsageError(`unknown benchmark ${unknown.join(', ')}; known: ${benches.map((b) => b.id).join(', ')}`);
  const selected = wanted ? benches.filter((b) => wanted.includes(b.id)) : benches;
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') {
    process.stderr.write(paint('dim', 'note: no --expose-gc (npm run bench passes it): each task is timed without a full collection first, so garbage from the one before lands in its time\n'));
  }
  const started = performance.now();
  const fresh: BenchResult[] = [];
  for (const bench of selected) {
    const t0 = performance.now();
    process.stderr.write(`${paint('bold', bench.title)} ${paint('dim', `(${bench.id})`)}\n`);
    let rows: BenchRow[];
    try {
      rows = await bench.run((m) => process.stderr.write(`  ${paint('dim', m)}\n`));
    } catch (e) {
      // One broken bench is a failed row, not a lost run: the others still measure and write.
      const message = e instanceof Error ? e.message : String(e);
      rows = [{ what: bench.title, baseline: '-', result: `the bench failed: ${message.split('\n')[0]}`, target: 'runs', met: false, data: { error: message.slice(0, 2000) } }];
    }
    fresh.push({ id: bench.id, title: bench.title, measuredAt: new Date().toISOString(), note: bench.note, rows });
    for (const r of rows) process.stderr.write(`  ${r.met === false ? paint('red', 'MISSED') : r.met ? paint('green', 'met   ') : 'report'} ${r.what}: ${r.result} (target: ${r.target})\n`);
    process.stderr.write(`  ${paint('dim', `${bench.id} took ${((performance.now() - t0) / 1000).toFixed(1)} s`)}\n`);
  }
  const dir = path.resolve(values.out ?? 'bench');
  mkdirSync(dir, { recursive: true });
  const jsonFile = path.join(dir, 'results.json');
  const machine = { node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(os.totalmem() / 2 ** 30) };
  const file: ResultsFile = { date: new Date().toISOString(), machine, results: mergeResults(previousResults(jsonFile), fresh) };
  writeFileSync(jsonFile, JSON.stringify(file, null, 2) + '\n');
  writeFileSync(path.join(dir, 'RESULTS.md'), resultsMarkdown(file));
  console.log(`wrote ${path.relative(process.cwd(), jsonFile)} and RESULTS.md (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  const rows = fresh.flatMap((r) => r.rows);
  const missed = rows.filter((row) => row.met === false).length;
  const met = rows.filter((row) => row.met === true).length;
  console.log(`${met} target${met === 1 ? '' : 's'} met, ${missed} missed${missed ? paint('red', ' (exit status 1)') : ''}`);
  if (missed) process.exitCode = 1;
});
