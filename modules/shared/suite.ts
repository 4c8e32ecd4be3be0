import { describe } from 'vitest';

/**
 * Group the tests of one exercise. The describe name is the exercise id from
 * the module's metadata, which is how the grader and the workbench map test
 * results to exercises and, through them, to the mastery checklist.
 */
export function exercise(id: string, body: () => void): void {
  describe(id, body);
}

/**
 * The error a promise rejects with, for asserting its class. A NotImplemented
 * error is rethrown as it is, so an unfinished exercise reports its own
 * message (and hint command), not "NotImplemented is not an instance of ...".
 */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error && error.name === 'NotImplemented') throw error;
    return error;
  }
  throw new Error('Expected the promise to reject, but it resolved.');
}
