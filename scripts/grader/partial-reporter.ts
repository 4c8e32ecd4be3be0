import { appendFileSync } from 'node:fs';
import type { Reporter, TestCase } from 'vitest/node';

/**
 * A vitest reporter that appends each test's outcome to GRADER_PARTIAL_FILE
 * as soon as it finishes (JSON lines). It runs in vitest's main process, so
 * when a submission hangs a worker and the grader kills the run at its time
 * limit, the tests that finished before still count.
 */
export interface PartialLine {
  file: string;
  ancestors: string[];
  title: string;
  state: 'passed' | 'failed' | 'skipped' | 'pending';
  message: string;
  duration: number;
}

export default class PartialReporter implements Reporter {
  onTestCaseResult(test: TestCase): void {
    const file = process.env.GRADER_PARTIAL_FILE;
    if (!file) return;
    const ancestors: string[] = [];
    for (let p = test.parent; p.type === 'suite'; p = p.parent) ancestors.unshift(p.name);
    const r = test.result();
    const line: PartialLine = {
      file: test.module.moduleId,
      ancestors,
      title: test.name,
      state: r.state,
      message: r.state === 'failed' ? (r.errors[0]?.message ?? 'failed') : '',
      duration: test.diagnostic()?.duration ?? 0,
    };
    try {
      appendFileSync(file, JSON.stringify(line) + '\n');
    } catch {
      // the grader reads what it can
    }
  }
}
