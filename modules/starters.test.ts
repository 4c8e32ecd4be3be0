import { describe, it, expect } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadCatalogue } from './catalogue.ts';
import { runSuite } from '../scripts/lib/run-suite.ts';

/**
 * The author's check, as rustlings and freeCodeCamp do it: every untouched
 * starter must fail its suite cleanly (NotImplemented naming its hint), every
 * declared exercise must have tests, and every test must belong to one.
 */
const catalogue = await loadCatalogue();

describe('exercise starters', () => {
  it('every module declares its exercises', () => {
    expect(catalogue.length).toBeGreaterThan(0);
    for (const m of catalogue) expect(m.exercises.length, m.name).toBeGreaterThan(0);
  });

  for (const meta of catalogue) {
    it(`${meta.name}: every test fails with NotImplemented against the untouched starters`, async () => {
      for (const ex of meta.exercises) {
        expect(existsSync(path.join(import.meta.dirname, meta.name, ex.file)), `${meta.name}/${ex.file}`).toBe(true);
        expect(ex.hints.length, `${ex.id} hints`).toBeGreaterThan(0);
      }
      const run = await runSuite(meta.name, { target: 'exercises' });
      expect(run.crashed).toBeNull();
      expect(run.tests.length).toBeGreaterThan(0);
      const passing = run.tests.filter((t) => t.status !== 'failed').map((t) => `${t.exercise} > ${t.name} (${t.status})`);
      expect(passing, 'tests that did not fail against the starters').toEqual([]);
      const unclear = run.tests.filter((t) => !/NotImplemented|Not implemented yet/.test(t.message)).map((t) => `${t.exercise} > ${t.name}: ${t.message.split('\n')[0]}`);
      expect(unclear, 'failures that do not name the NotImplemented exercise').toEqual([]);
      const declared = new Set(meta.exercises.map((e) => e.id));
      const tested = new Set(run.tests.map((t) => t.exercise));
      expect([...declared].filter((id) => !tested.has(id)), 'declared exercises without tests').toEqual([]);
      expect([...tested].filter((id) => !declared.has(id)), 'test groups that are not declared exercises').toEqual([]);
    }, 180_000);
  }
});
