/** The in-process simulator wiring: aborts reach it even after a garbage collection (a regression test). */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';

it('an abort reaches the in-process simulator after a garbage collection (no stalled reply left behind)', () => {
  const child = path.join(import.meta.dirname, 'abort-gc-child.ts');
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', child], { encoding: 'utf8', timeout: 20_000 });
  expect(r.stdout.trim(), r.stderr).toBe('ended');
}, 30_000);
