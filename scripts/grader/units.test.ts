import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../lib/run-suite.ts';
import { brokenCases } from './fixtures/broken.ts';
import { cleanup, tmp } from './fixtures/harness.ts';
import { applyPatch, makeSubmission, PatchError } from './fixtures/make.ts';
import { inspect } from './inspect.ts';
import { probeCapabilities, sandboxEnv, wrapCommand, type SandboxSpec } from './sandbox.ts';
import { ttftVerdict } from './ttft-verdict.ts';

afterAll(cleanup);

/** The grader's small parts: fast, no suite runs. */
describe('TTFT verdict', () => {
  const ref = [80, 82, 85, 86, 90];
  it('passes a submission as fast as the reference, fails one far slower, and calls overlapping spreads unclear', () => {
    expect(ttftVerdict(ref, [81, 84, 86, 88, 91]).verdict).toBe('pass');
    expect(ttftVerdict(ref, [2100, 2150, 2190, 2200, 2300])).toMatchObject({ verdict: 'fail' });
    expect(ttftVerdict(ref, [90, 120, 170, 200, 260]).verdict).toBe('unclear');
    expect(ttftVerdict(ref, [2100, 2150, 2190, 2200, 2300]).ratio).toBeCloseTo(85 / 2190, 3);
  });
});

describe('fixtures', () => {
  it('a patch must match exactly once', () => {
    const dir = tmp('patch');
    mkdirSync(path.join(dir, 'a'), { recursive: true });
    writeFileSync(path.join(dir, 'a', 'f.ts'), 'one two two');
    expect(() => applyPatch(dir, { file: 'a/f.ts', find: 'three', replace: 'x' })).toThrow(PatchError);
    expect(() => applyPatch(dir, { file: 'a/f.ts', find: 'two', replace: 'x' })).toThrow(/matched 2 times/);
    applyPatch(dir, { file: 'a/f.ts', find: 'one', replace: '1' });
  });

  it('every broken case still applies to the current reference (one replacement each)', () => {
    for (const c of brokenCases) makeSubmission(path.join(tmp('drift'), c.name), { reference: [c.module], patches: c.patches });
  });
});

describe('inspection', () => {
  it('reads quiz answers, lab results, README, milestone.json and git history, and flags .only and reference imports', () => {
    const root = makeSubmission(path.join(tmp('inspect'), 'sub'), {
      reference: ['context'],
      quiz: { q1: 'b' },
      labResults: { '02-forgetting/lab2-forgetting': { schema: 'lab2-forgetting/v1', passed: false } },
      files: {
        'README.md': '# My chat API\n\n## Run\n\n```sh\nnpm run serve -- --port 8000\n```\n',
        'milestone.json': JSON.stringify({ start: 'npm run serve -- --port $PORT', port: 8000 }),
        'modules/context/exercises/cheat.ts': "export * from '../reference/index.ts';\n",
        'modules/context/context.test.ts': "import { it } from 'vitest';\nit.only('x', () => {});\n",
      },
      git: true,
    });
    const i = inspect(root, { kind: 'submission', modules: ['context'] });
    expect(i.quiz).toEqual({ q1: 'b' });
    expect(i.labs['lab2-forgetting']).toMatchObject({ passed: false });
    expect(i.labs['lab3-session-store'].message).toMatch(/no results/);
    expect(i.readme.saysHowToRun).toBe(true);
    expect(i.milestone).toEqual({ start: 'npm run serve -- --port $PORT', cwd: '.', port: 8000 });
    expect(i.git.commits).toBe(1);
    const kinds = i.flags.map((f) => f.kind);
    expect(kinds).toEqual(expect.arrayContaining(['focus-or-skip', 'suite-edited', 'imports-reference', 'identical-to-reference']));
  });
});

describe('sandbox', () => {
  const spec = (level: 'process' | 'namespaces'): SandboxSpec => {
    const d = tmp('sb');
    return { caps: { ...probeCapabilities(), level }, gradingDir: path.join(d, 'work', 'g'), holdDir: path.join(d, 'hold', 'g'), gradingParent: path.join(d, 'work'), hide: [], readOnly: [], redis: false };
  };
  it('gives the submission no secrets: only PATH, locale and the suites\' variables, with its own HOME and TMPDIR', () => {
    process.env.GRADER_UNIT_TOKEN = 'secret';
    const s = spec('process');
    const env = sandboxEnv(s, { REDIS_URL: 'redis://127.0.0.1:6379' });
    delete process.env.GRADER_UNIT_TOKEN;
    expect(env.GRADER_UNIT_TOKEN).toBeUndefined();
    expect(env.HOME?.startsWith(s.gradingDir)).toBe(true);
    expect(env.TMPDIR?.startsWith(s.gradingDir)).toBe(true);
    expect(Object.keys(env).filter((k) => !['PATH', 'NODE_ENV', 'TZ', 'LANG', 'LC_ALL', 'LC_CTYPE', 'LANGUAGE', 'HOME', 'TMPDIR', 'TMP', 'TEMP', 'NO_COLOR', 'FORCE_COLOR', 'NODE_OPTIONS', 'GRADER_NET_LOG', 'GRADER_NET_GUARD', 'REDIS_URL'].includes(k))).toEqual([]);
  });
  it('wraps commands in namespaces only at the namespace levels', () => {
    expect(wrapCommand(spec('process'), ['node', 'x'])).toEqual(['node', 'x']);
    const wrapped = wrapCommand(spec('namespaces'), ['node', 'x']);
    expect(wrapped.slice(0, 2)).toEqual(['unshare', '-r']);
    expect(wrapped.slice(-2)).toEqual(['node', 'x']);
  });
});

describe('npm run grade', () => {
  const run = promisify(execFile);
  const grade = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'scripts/grade.ts', ...args], { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 });
      return { code: 0, stdout, stderr };
    } catch (e) {
      const err = e as { code: number; stdout: string; stderr: string };
      return { code: err.code, stdout: err.stdout, stderr: err.stderr };
    }
  };
  it('answers --help and refuses bad flags with a clear message and exit 2', async () => {
    const [help, bogus, module, missing, both] = await Promise.all([
      grade('--help'),
      grade('--bogus'),
      grade('--modules', 'nope'),
      grade('--submission', '/no/such/folder'),
      grade('--submission', '.', '--submissions', '.'),
    ]);
    expect(help).toMatchObject({ code: 0 });
    expect(help.stdout).toMatch(/Usage: npm run grade/);
    expect(help.stdout).toMatch(/--submissions <dir>/);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toMatch(/error: .*bogus[\s\S]*--help/);
    expect(module.code).toBe(2);
    expect(module.stderr).toMatch(/no module "nope"/);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no such folder/);
    expect(both.code).toBe(2);
    expect(both.stderr).not.toMatch(/\u001b\[/);
  }, 60_000);
});
