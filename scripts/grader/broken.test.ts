import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../modules/catalogue.ts';
import type { ModuleMeta } from '../../modules/shared/meta.ts';
import { brokenCases } from './fixtures/broken.ts';
import { expectLosesExactly, gradeBroken } from './fixtures/broken-check.ts';
import { cleanup, pool } from './fixtures/harness.ts';
import type { GradeReport } from './types.ts';

afterAll(cleanup);

/**
 * Deliberately broken submissions, one bug each (fixtures/broken.ts), graded
 * two at a time: each loses exactly the checklist items it should.
 */
const reports = new Map<string, GradeReport>();
let catalogue: ModuleMeta[];

beforeAll(async () => {
  catalogue = await loadCatalogue();
  const graded = await pool(brokenCases, 2, gradeBroken);
  brokenCases.forEach((c, i) => reports.set(c.name, graded[i]));
}, 240_000);

describe('broken submissions', () => {
  for (const c of brokenCases) {
    it(`${c.name}: ${c.why}`, () => expectLosesExactly(c, reports.get(c.name)!, catalogue));
  }

  it('the slow first token is caught by TTFT alone, on the provider it concerns', () => {
    const ttft = reports.get('slow-first-token')!.metrics.ttft!;
    expect(ttft.providers.map((p) => [p.provider, p.verdict])).toEqual([
      ['anthropic', 'fail'],
      ['openai', expect.stringMatching(/pass|unclear/)],
    ]);
  });
});
