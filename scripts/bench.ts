/** npm run bench — measure what makes the workbench fast or slow, each figure against a baseline from the same run. */
import { writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCommand, runMain, paint, UsageError } from './lib/cli.ts';
import type { Bench, BenchRow } from '../bench/types.ts';
import { replayFidelity } from '../bench/replay-fidelity.ts';

const benches: Bench[] = [replayFidelity];

runMain(async () => {
  const { values } = parseCommand({
    name: 'bench',
    summary: 'run the benchmarks and write bench/results.json and bench/RESULTS.md',
    usage: 'npm run bench [-- --only <id,id>] [--out <dir>]',
    options: { only: { type: 'string' }, out: { type: 'string' } },
    help: [
      ['--only <ids>', `comma-separated subset: ${benches.map((b) => b.id).join(', ')}`],
      ['--out <dir>', 'where to write results.json and RESULTS.md (default: bench/)'],
    ],
  });
  const wanted = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = wanted?.filter((id) => !benches.some((b) => b.id === id));
  if (unknown?.length) throw new UsageError(`unknown benchmark ${unknown.join(', ')}; known: ${benches.map((b) => b.id).join(', ')}`);
  const selected = wanted ? benches.filter((b) => wanted.includes(b.id)) : benches;
  const results: Array<{ id: string; title: string; rows: BenchRow[] }> = [];
  for (const bench of selected) {
    process.stderr.write(`${paint('bold', bench.title)}\n`);
    const rows = await bench.run((m) => process.stderr.write(`  ${paint('dim', m)}\n`));
    results.push({ id: bench.id, title: bench.title, rows });
    for (const r of rows) process.stderr.write(`  ${r.met === false ? paint('red', 'MISSED') : r.met ? paint('green', 'met   ') : 'report'} ${r.what}: ${r.result} (target: ${r.target})\n`);
  }
  const dir = path.resolve(values.out ?? 'bench');
  mkdirSync(dir, { recursive: true });
  const machine = { node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(os.totalmem() / 2 ** 30) };
  writeFileSync(path.join(dir, 'results.json'), JSON.stringify({ date: new Date().toISOString(), machine, results }, null, 2) + '\n');
  const md = [
    '# Benchmark results',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machine.cpus} cores (${machine.cpu}), Node ${machine.node}. Every figure is against a baseline measured in the same run. Re-run with \`npm run bench\`.`,
    '',
    '| what | baseline (same run) | result | target | met |',
    '| --- | --- | --- | --- | --- |',
    ...results.flatMap((r) => r.rows.map((row) => `| ${row.what} | ${row.baseline} | ${row.result} | ${row.target} | ${row.met === null ? 'report' : row.met ? 'yes' : '**no**'} |`)),
    '',
  ].join('\n');
  writeFileSync(path.join(dir, 'RESULTS.md'), md);
  console.log(`wrote ${path.relative(process.cwd(), path.join(dir, 'results.json'))} and RESULTS.md`);
  if (results.some((r) => r.rows.some((row) => row.met === false))) process.exitCode = 1;
});
