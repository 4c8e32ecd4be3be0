import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../lib/run-suite.ts';
import { cleanup, gradeSpec, tmp } from './fixtures/harness.ts';
import { allModules } from './fixtures/make.ts';

afterAll(cleanup);

/**
 * The milestone, end to end: the conformance suite against a submission's
 * server, spawned from its milestone.json inside the sandbox, and against a
 * server at a URL. About a minute each, so opt-in: GRADER_MILESTONE=1.
 */
const enabled = process.env.GRADER_MILESTONE === '1';
if (!enabled) process.stderr.write('[skip] grader milestone tests skipped: they take minutes (set GRADER_MILESTONE=1 to run them)\n');

const SKIP = new Set(['node_modules', '.git', 'grader-out', '.scratch', 'data', '.workbench', 'results']);
const cloneFiles = (dir: string) => {
  cpSync(repoRoot, dir, { recursive: true, filter: (src) => !SKIP.has(path.basename(src)) });
  for (const m of allModules) cpSync(path.join(dir, 'modules', m, 'reference'), path.join(dir, 'modules', m, 'exercises'), { recursive: true });
};

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

const stops: Array<() => void> = [];
afterAll(() => stops.forEach((stop) => stop()));

describe.runIf(enabled)('milestone grading', () => {
  it('a workbench clone whose milestone.json starts the reference server meets the milestone item', async () => {
    const { report } = await gradeSpec('clone', {
      reference: [],
      files: {
        'milestone.json': JSON.stringify({ start: 'node --import tsx labs/milestone/server/main.ts --port $PORT', port: 8000 }),
        'README.md': '# My chat API\n\n## Run it\n\n```sh\nnpm run serve\n```\n',
      },
      git: true,
      before: cloneFiles,
    }, { modules: [], milestone: true });
    const item = report.items.find((i) => i.id === 'milestone')!;
    expect(report.tests.filter((t) => t.kind === 'milestone' && t.status !== 'passed').map((t) => `${t.name}: ${t.message}`)).toEqual([]);
    expect(item.status).toBe('met');
    expect(report.metrics.milestone).toMatchObject({ how: 'spawn', readme: true, commits: 1 });
  }, 600_000);

  it('a server at --milestone-url is graded without the restart tests, which are reported as not graded', async () => {
    const port = await freePort();
    const data = tmp('ms-data');
    mkdirSync(data, { recursive: true });
    const server = spawn(process.execPath, ['--import', 'tsx', 'labs/milestone/server/main.ts', '--port', String(port), '--data-dir', data], { cwd: repoRoot, stdio: 'ignore', detached: true });
    stops.push(() => process.kill(-server.pid!, 'SIGKILL'));
    await new Promise((r) => setTimeout(r, 3000));
    const { report } = await gradeSpec('url', { reference: [], files: { 'README.md': '## Run\n\n```sh\nnpm run serve\n```\n' }, git: true }, { modules: [], milestone: true, milestoneUrl: `http://127.0.0.1:${port}` });
    const conf = report.tests.filter((t) => t.kind === 'milestone' && t.name.startsWith('milestone: conformance'));
    expect(conf.filter((t) => t.status === 'failed').map((t) => `${t.name}: ${t.message}`)).toEqual([]);
    expect(conf.some((t) => t.status === 'not-graded')).toBe(true);
    expect(report.metrics.milestone?.how).toBe('url');
    writeFileSync(path.join(data, 'done'), '');
  }, 600_000);
});
