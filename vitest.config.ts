import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'data/**', '**/submissions/**', 'grader-out/**'],
    // Suites talk to real Redis, spawn processes and replay streams: give them room.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Most files wait on timers, sockets and child processes, not the CPU. Vitest's default (cores - 1)
    // gives a 2-core machine one worker, one file at a time: two there took npm test from ~4.5 to ~3.2 min.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    reporters: ['default', './test-support/summary-reporter.ts'],
  },
});
