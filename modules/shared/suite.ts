import { describe } from 'vitest';

/**
 * Group the tests of one exercise. The describe name is the exercise id from
 * the module's metadata, which is how the grader and the workbench map test
 * results to exercises and, through them, to the mastery checklist.
 */
export function exercise(id: string, body: () => void): void {
  describe(id, body);
}
