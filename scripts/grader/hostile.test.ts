import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../lib/run-suite.ts';
import { makeSubmission } from './fixtures/make.ts';
import { editsTests, endlessLoop, exitsEarly, networkCall, readSecrets } from './fixtures/hostile.ts';
import { cleanup, gradeSpec, pool, processesMentioning, sharedManifest, tmp } from './fixtures/harness.ts';
import type { GradeReport } from './types.ts';

afterAll(cleanup);

/**
 * Hostile submissions (fixtures/hostile.ts) are contained and reported: an
 * endless loop, a network call, a hunt for secrets, edited tests, an early
 * exit. Graded two at a time; only the state module, whose suite is quick.
 */
const run = promisify(execFile);
const SECRET = `GRADERTEST-${randomUUID()}`;
const dir = tmp('hostile');
const netOutcome = path.join(dir, 'outcomes', 'network.jsonl');
const secretsOutcome = path.join(dir, 'outcomes', 'secrets.json');
const graderHome = path.join(dir, 'grader-home');
const reports = new Map<string, GradeReport>();
let loopMs = 0;

async function gradeViaCli(): Promise<GradeReport> {
  const sub = makeSubmission(path.join(dir, 'cli-subs', 'secrets'), readSecrets(secretsOutcome, graderHome));
  const env = { ...process.env, HOME: graderHome, ANTHROPIC_API_KEY: SECRET, OPENAI_API_KEY: SECRET, GITHUB_TOKEN: SECRET, NO_COLOR: '1' };
  const args = ['--import', 'tsx', 'scripts/grade.ts', '--submission', sub, '--modules', 'state', '--skip', 'ttft,milestone,quiz,labs', '--json', '-q', '--reports', 'none', '--out', path.join(dir, 'cli-out')];
  const { stdout } = await run(process.execPath, args, { cwd: repoRoot, env, timeout: 120_000, maxBuffer: 50_000_000 });
  return JSON.parse(stdout) as GradeReport;
}

beforeAll(async () => {
  mkdirSync(path.join(dir, 'outcomes'), { recursive: true });
  mkdirSync(graderHome, { recursive: true });
  writeFileSync(path.join(graderHome, 'id_rsa'), 'not really a key');
  await sharedManifest();
  const cases: Array<[string, () => Promise<GradeReport>]> = [
    ['endless-loop', async () => {
      const started = Date.now();
      const r = (await gradeSpec('endless-loop', endlessLoop(), { modules: ['state'], timeoutMs: 8_000 })).report;
      loopMs = Date.now() - started;
      return r;
    }],
    ['secrets', gradeViaCli],
    ['network', async () => (await gradeSpec('network', networkCall(netOutcome), { modules: ['state'] })).report],
    ['edits-tests', async () => (await gradeSpec('edits-tests', editsTests(), { modules: ['state'] })).report],
    ['exits-early', async () => (await gradeSpec('exits-early', exitsEarly(), { modules: ['state'] })).report],
  ];
  const graded = await pool(cases, 2, ([, fn]) => fn());
  cases.forEach(([name], i) => reports.set(name, graded[i]));
}, 240_000);

const stateTests = (r: GradeReport) => r.tests.filter((t) => t.kind === 'test' && t.module === 'state');
const kinds = (r: GradeReport) => r.integrity.flags.map((f) => f.kind);

describe('hostile submissions', () => {
  it('an endless loop is killed at the suite time limit with its whole process tree, and reported; tests that finished before it still count', () => {
    const r = reports.get('endless-loop')!;
    expect(r.metrics.suites[0]).toMatchObject({ module: 'state', timedOut: true });
    expect(loopMs).toBeLessThan(30_000);
    expect(kinds(r)).toContain('timeout');
    // The tests that finished before the loop still count; the looping exercise's do not.
    const tests = stateTests(r);
    const looping = tests.filter((t) => t.exercise === 'state-system-prompt');
    expect(looping.length).toBeGreaterThan(0);
    expect(looping.every((t) => t.status === 'failed')).toBe(true);
    expect(looping.some((t) => /did not run: the suite timed out/.test(t.message))).toBe(true);
    expect(tests.filter((t) => t.exercise !== 'state-system-prompt' && t.status === 'passed').length).toBeGreaterThan(0);
    expect(processesMentioning('grader-test-hostile-')).toEqual([]);
    expect(processesMentioning(`${path.sep}endless-loop-`)).toEqual([]);
  });

  it('a network call to a non-loopback address never connects, is reported, and the grade stands', () => {
    const r = reports.get('network')!;
    const outcomes = readFileSync(netOutcome, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { tcp: string; http: string });
    expect(outcomes.length).toBeGreaterThan(0);
    for (const o of outcomes) {
      expect(o.tcp).not.toBe('connected');
      expect(o.http).not.toBe('connected');
      if (r.containment.level !== 'process') expect(o.tcp).toMatch(/ENETUNREACH|EACCES/);
    }
    const flag = r.integrity.flags.find((f) => f.kind === 'network-attempt');
    expect(flag?.files).toContain('192.0.2.1:80');
    expect(stateTests(r).filter((t) => t.status !== 'passed')).toEqual([]);
  });

  it('a hunt for secrets finds none: scrubbed environment, private /proc, hidden HOME', () => {
    const r = reports.get('secrets')!;
    expect(stateTests(r).filter((t) => t.status !== 'passed')).toEqual([]);
    const found = JSON.parse(readFileSync(secretsOutcome, 'utf8')) as { env: Record<string, string>; home: unknown };
    expect(JSON.stringify(found.env)).not.toContain(SECRET);
    expect(Object.keys(found.env).filter((k) => /KEY|TOKEN|SECRET/i.test(k))).toEqual([]);
    if (r.containment.level === 'namespaces') {
      expect(readFileSync(secretsOutcome, 'utf8')).not.toContain(SECRET); // no /proc/<pid>/environ outside the sandbox
      expect(found.home).toEqual([]); // the grader's HOME is an empty tmpfs inside
    }
    expect(JSON.stringify(r)).not.toContain(SECRET);
  });

  it('edited tests change nothing: the pristine suite runs, and the edits are reported', () => {
    const r = reports.get('edits-tests')!;
    expect(kinds(r)).toEqual(expect.arrayContaining(['suite-edited', 'focus-or-skip', 'grader-files-modified']));
    const tests = stateTests(r);
    expect(tests.length).toBeGreaterThan(10);
    expect(tests.filter((t) => t.status === 'passed')).toEqual([]);
    expect(tests.some((t) => t.name.includes('everything works'))).toBe(false);
    expect(r.integrity.status).toBe('problem');
  });

  it('a submission that exits before its tests run is reported as running zero tests', () => {
    const r = reports.get('exits-early')!;
    expect(kinds(r)).toEqual(expect.arrayContaining(['zero-tests']));
    expect(stateTests(r).filter((t) => t.status === 'passed')).toEqual([]);
  });

});
