import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { killTree, repoRoot } from '../lib/run-suite.ts';
import { pristineSet, sha256, walk } from './grading-dir.ts';

/**
 * The tests each pristine suite declares, listed (not run) against the
 * reference: a submission is graded on exactly these. A test its run lacks
 * did not run (failed); a test its run adds (registered by its own code) is
 * ignored. Cached by a hash of the suites and references.
 */
export type Manifest = Record<string, string[]>;

function fingerprint(): string {
  const h = createHash('sha256');
  for (const [rel, hash] of [...pristineSet().hashes].sort()) h.update(`${rel}\0${hash}\n`);
  for (const m of ['streaming', 'state', 'context', 'persistence']) {
    const dir = path.join(repoRoot, 'modules', m, 'reference');
    for (const rel of walk(dir)) h.update(`${m}/${rel}\0${sha256(path.join(dir, rel))}\n`);
  }
  return h.digest('hex').slice(0, 16);
}

interface Listed {
  name: string;
  file: string;
}

function listSuite(moduleName: string, timeoutMs: number): Promise<string[]> {
  const out = mkdtempSync(path.join(tmpdir(), 'grader-list-'));
  const file = path.join(out, 'list.json');
  const suite = path.join(repoRoot, 'modules', moduleName, `${moduleName}.test.ts`);
  const args = [path.join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs'), 'list', suite, '--root', repoRoot, '--config', path.join(repoRoot, 'vitest.config.ts'), `--json=${file}`];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: repoRoot, env: { ...process.env, LAB_TARGET: 'reference', NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const timer = setTimeout(() => killTree(child.pid), timeoutMs);
    child.on('close', () => {
      clearTimeout(timer);
      try {
        const listed = JSON.parse(readFileSync(file, 'utf8')) as Listed[];
        resolve(listed.map((t) => t.name));
      } catch {
        reject(new Error(`could not list the ${moduleName} suite's tests: ${stderr.trim().split('\n').slice(-5).join('\n')}`));
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    });
  });
}

/** The expected tests of each module, from the cache under cacheDir when the suites have not changed. */
export async function loadManifest(modules: string[], cacheDir: string, timeoutMs = 120_000): Promise<Manifest> {
  const file = path.join(cacheDir, `manifest-${fingerprint()}.json`);
  let manifest: Manifest = {};
  if (existsSync(file)) {
    try {
      manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    } catch {
      manifest = {};
    }
  }
  const missing = modules.filter((m) => !manifest[m]);
  if (missing.length === 0) return manifest;
  for (const m of missing) manifest[m] = await listSuite(m, timeoutMs);
  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(manifest, null, 2) + '\n');
  renameSync(tmp, file); // atomic: graders sharing the cache never read half a file
  return manifest;
}
