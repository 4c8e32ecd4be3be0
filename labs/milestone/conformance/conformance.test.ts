/**
 * The milestone's black-box conformance suite: HTTP only, so it grades any
 * implementation of the API (the reference, a learner's, in any language).
 *
 *   npx vitest run labs/milestone/conformance           the reference, started by the suite
 *   npm run conformance -- --url http://127.0.0.1:8000  any server (see run.ts, README)
 *
 * The target comes from the environment (target.ts): MILESTONE_URL,
 * MILESTONE_SPAWN, MILESTONE_FAULTS=0.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { controlTests } from './control.ts';
import { inputTests } from './input.ts';
import { longTests } from './long.ts';
import { streamTests } from './stream.ts';
import { targetFromEnv } from './target.ts';

const target = targetFromEnv();

describe('milestone conformance', () => {
  // A failed start is reported by every test (check() awaits ready()), not lost in a hook.
  beforeAll(() => target.ready().catch(() => {}), 60_000);
  afterAll(() => target.close(), 30_000);

  streamTests(target);
  inputTests(target);
  controlTests(target);
  longTests(target);
});
