import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evidence } from '../../checklist/evidence.ts';
import { checklistItems } from '../../checklist/items.ts';
import { quiz } from '../../checklist/quiz.ts';
import { loadCatalogue } from '../../modules/catalogue.ts';
import { gradebookCsv, gradebookJson, gradeBatch } from './batch.ts';
import { allModules, makeSubmission } from './fixtures/make.ts';
import { cleanup, gradeSpec, sharedManifest, tmp } from './fixtures/harness.ts';
import { createProgress } from './progress.ts';
import { classroomResult, gradescopeResults, junitXml, renderMarkdown } from './report-formats.ts';
import { renderTerminal } from './report-terminal.ts';
import type { GradeReport } from './types.ts';
import { writeReports } from './write-reports.ts';

afterAll(cleanup);

/**
 * One full run against the reference (every module suite, TTFT, quiz, labs),
 * shared by the assertions below; the untouched starters; batch mode.
 */
const rightAnswers = Object.fromEntries(quiz.map((q) => [q.id, q.answer]));
const labResults = {
  '01-ttft/results': { lab: '01-ttft', comparisons: [{ provider: 'anthropic', firstTokenSooner: 25 }, { provider: 'openai', firstTokenSooner: 27 }] },
  '02-forgetting/lab2-forgetting': { schema: 'lab2-forgetting/v1', passed: true },
  '03-session-store/lab3-session-store': { schema: 'lab3-session-store/v1', passed: true },
};

let reference: GradeReport;
let starters: GradeReport;

beforeAll(async () => {
  [reference, starters] = await Promise.all([
    gradeSpec('reference', { quiz: rightAnswers, labResults }, { ttft: true, quiz: true, labs: true }).then((g) => g.report),
    gradeSpec('starters', { starters: allModules }, { ttft: true, quiz: true, labs: true }).then((g) => g.report),
  ]);
}, 240_000);

describe('the reference', () => {
  it('passes every test of every module suite, exactly the tests the pristine suites declare', async () => {
    const manifest = await sharedManifest();
    const tests = reference.tests.filter((t) => t.kind === 'test');
    expect(tests.filter((t) => t.status !== 'passed').map((t) => `${t.name}: ${t.message}`)).toEqual([]);
    expect(tests.length).toBe(allModules.reduce((n, m) => n + manifest[m].length, 0));
    for (const s of reference.metrics.suites) expect(s, s.module).toMatchObject({ failed: 0, skipped: 0, crashed: null, timedOut: false });
  });

  it('meets every item but the (ungraded) milestone, with full marks', () => {
    const byStatus = (s: string) => reference.items.filter((i) => i.status === s).map((i) => i.id);
    expect(byStatus('not-met')).toEqual([]);
    expect(byStatus('not-graded')).toEqual(['milestone']);
    for (const i of reference.items.filter((x) => x.id !== 'milestone')) expect(i.score, i.id).toBeCloseTo(i.max_score, 2);
    expect(reference.score.points).toBeCloseTo(reference.score.max - evidence.milestone.weight, 2);
    expect(reference.score.max).toBe(checklistItems.reduce((s, i) => s + evidence[i.id].weight, 0));
  });

  it('scores TTFT against itself at a ratio near 1, measured interleaved in the sandbox', () => {
    const ttft = reference.metrics.ttft!;
    expect(ttft.status).toBe('passed');
    expect(ttft.providers.map((p) => p.provider)).toEqual(['anthropic', 'openai']);
    for (const p of ttft.providers) {
      expect(p.verdict).not.toBe('fail');
      expect(p.ratio).toBeGreaterThan(0.6);
      expect(p.submissionMs.length).toBe(p.referenceMs.length);
    }
  });

  it('reports its containment honestly and finds no integrity problem', () => {
    expect(['namespaces', 'network', 'process']).toContain(reference.containment.level);
    expect(reference.integrity.flags.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(reference.integrity.flags.map((f) => f.kind)).toContain('identical-to-reference');
  });

  it('renders every format from the same report', () => {
    const text = renderTerminal(reference, { width: 100 });
    expect(text).not.toMatch(/\u001b\[/); // no stream given: no colour
    expect(text).toMatch(/^Grade for reference: \d/);
    expect(renderMarkdown(reference)).toContain('| met | Stream a reply with both the Anthropic and the OpenAI SDK |');
    const junit = junitXml(reference);
    expect(junit.match(/<testcase /g)?.length).toBe(reference.tests.length);
    expect(junit).toMatch(/^<\?xml/);
    const classroom = classroomResult(reference);
    expect(classroom).toMatchObject({ version: 1, status: 'pass' });
    expect(classroom.tests.reduce((s, t) => s + Number(t.score), 0)).toBeCloseTo(reference.score.points, 1);
    const gs = gradescopeResults(reference) as { score: number; tests: Array<{ score: number; max_score: number }> };
    expect(gs.tests.reduce((s, t) => s + t.score, 0)).toBeCloseTo(gs.score, 1);
    const dir = tmp('reports');
    const files = writeReports(reference, dir);
    expect(files.map((f) => path.basename(f)).sort()).toEqual(['github-classroom.b64', 'github-classroom.json', 'junit.xml', 'report.json', 'report.md', 'results.json']);
    const json = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as GradeReport;
    for (const t of json.tests) expect(Object.keys(t)).toEqual(expect.arrayContaining(['name', 'status', 'message', 'score', 'max_score', 'duration', 'checklist']));
  });
});

describe('the untouched starters', () => {
  it('score zero, every test failing with NotImplemented', () => {
    expect(starters.score.points).toBe(0);
    const tests = starters.tests.filter((t) => t.kind === 'test');
    expect(tests.length).toBe(reference.tests.filter((t) => t.kind === 'test').length);
    expect(tests.filter((t) => t.status !== 'failed')).toEqual([]);
    expect(tests.filter((t) => !/NotImplemented|Not implemented yet/.test(t.message)).map((t) => t.name)).toEqual([]);
    expect(starters.metrics.ttft?.status).toBe('failed');
  });

  it('tell the learner what to read next for every unmet item with tests', async () => {
    const catalogue = await loadCatalogue();
    const sliding = starters.items.find((i) => i.id === 'sliding-window')!;
    expect(sliding.status).toBe('not-met');
    const ex = catalogue.find((m) => m.name === 'context')!.exercises.find((e) => e.id === 'sliding-window')!;
    expect(sliding.hints).toContainEqual(expect.objectContaining({ exercise: 'sliding-window', lesson: ex.lesson, level: 1, text: ex.hints[0], command: 'npm start -- hint sliding-window' }));
    expect(sliding.failing[0].message).toMatch(/Not implemented yet/);
    const quizItem = starters.items.find((i) => i.id === 'llms-stateless')!;
    expect(quizItem.evidence.join('\n')).toMatch(/quiz: q7 not right/);
    expect(quizItem.evidence.join('\n')).toMatch(/no results in labs\/02-forgetting\/results/);
  });
});

describe('batch mode', () => {
  it('grades a folder of submissions in parallel into a gradebook and one report folder each', async () => {
    const dir = tmp('batch');
    makeSubmission(path.join(dir, 'subs', 'alice'), { reference: ['context'] });
    makeSubmission(path.join(dir, 'subs', '=bob, "the tester"'), { starters: ['context'], reference: [] });
    const out = path.join(dir, 'out');
    const lines: string[] = [];
    const stream = Object.assign(Object.create(process.stderr) as NodeJS.WriteStream, { isTTY: false, write: (s: string) => lines.push(s) > 0 });
    const reports = await gradeBatch({
      dir: path.join(dir, 'subs'),
      jobs: 2,
      out,
      formats: ['json', 'junit'],
      progress: createProgress(2, stream),
      base: { modules: ['context'], quiz: false, labs: false, ttft: false, milestone: false, timeoutMs: 120_000, containment: 'auto', manifest: await sharedManifest(), workDir: path.join(dir, 'work'), hide: [path.join(dir, 'subs')] },
    });
    expect(reports.map((r) => r.submission.name)).toEqual(['=bob, "the tester"', 'alice']);
    const [bob, alice] = reports;
    expect(alice.items.find((i) => i.id === 'sliding-window')!.status).toBe('met');
    expect(bob.items.find((i) => i.id === 'sliding-window')!.status).toBe('not-met');
    expect(lines.join('')).toMatch(/\[2\/2\] /);
    expect(existsSync(path.join(out, 'alice', 'report.json'))).toBe(true);
    expect(existsSync(path.join(out, '_bob_the_tester_', 'junit.xml'))).toBe(true);
    const csv = gradebookCsv(reports).trim().split('\n');
    expect(csv).toHaveLength(3);
    expect(csv[0]).toMatch(/^submission,points,max,percent,items_met,integrity/);
    expect(csv[1]).toMatch(/^"'=bob, ""the tester""",0,/); // quoted, and never a spreadsheet formula
    expect((gradebookJson(reports) as { submissions: unknown[] }).submissions).toHaveLength(2);
  }, 120_000);
});
