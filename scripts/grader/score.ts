import { checklistItems, type ChecklistId } from '../../checklist/items.ts';
import { evidence, type LabId } from '../../checklist/evidence.ts';
import { gradeQuiz, quiz } from '../../checklist/quiz.ts';
import type { ModuleMeta } from '../../modules/shared/meta.ts';
import type { SuiteRun } from '../lib/run-suite.ts';
import type { Inspection } from './inspect.ts';
import { labFolders } from './inspect.ts';
import type { Manifest } from './manifest.ts';
import type { Check, CheckKind, CheckStatus, Hint, IntegrityFlag, ItemReport } from './types.ts';

/**
 * Join the evidence into checks and checklist items. An item's weight (from
 * checklist/evidence.ts) is split equally between the kinds of evidence it
 * needs (tests, quiz, lab, TTFT, milestone); tests split their share equally
 * between the exercises that evidence the item, then between each exercise's
 * tests. An item is met when every check it needs passed.
 */
export interface ScoreInputs {
  catalogue: ModuleMeta[];
  modules: string[];
  runs: Map<string, SuiteRun>;
  manifest: Manifest | null;
  /** Module -> why its skipped tests are not the submission's doing (a service is unavailable). */
  envSkips: Map<string, string>;
  inspection: Inspection;
  graded: { quiz: boolean; labs: boolean; ttft: boolean; milestone: boolean };
  ttft: { status: CheckStatus; message: string; duration: number } | null;
  milestone: Array<{ name: string; status: CheckStatus; message: string; duration: number; weight: number }> | null;
}

interface Draft extends Omit<Check, 'score' | 'max_score'> {
  /** item -> share of its weight this check carries */
  shares: Map<ChecklistId, number>;
}

const firstLine = (s: string) => s.split('\n').find((l) => l.trim())?.trim() ?? '';

function testDrafts(inp: ScoreInputs, flags: IntegrityFlag[]): Draft[] {
  const drafts: Draft[] = [];
  for (const meta of inp.catalogue) {
    const run = inp.runs.get(meta.name);
    const graded = inp.modules.includes(meta.name) && run !== undefined;
    const expected = inp.manifest?.[meta.name] ?? (run ? run.tests.map((t) => `${t.exercise} > ${t.name}`) : []);
    const outcomes = new Map<string, SuiteRun['tests']>();
    for (const t of run?.tests ?? []) {
      const key = `${t.exercise} > ${t.name}`;
      outcomes.set(key, [...(outcomes.get(key) ?? []), t]);
    }
    if (graded && run.tests.length === 0) flags.push({ kind: 'zero-tests', severity: 'problem', message: `${meta.name}: the suite ran zero tests${run.crashed ? ` (${firstLine(run.crashed)})` : ''}` });
    if (graded && run.timedOut) flags.push({ kind: 'timeout', severity: 'problem', message: `${meta.name}: ${run.crashed ?? 'timed out'}; the process tree was killed` });
    else if (graded && run.crashed) flags.push({ kind: 'crashed', severity: 'problem', message: `${meta.name}: ${firstLine(run.crashed)}` });
    const extra = graded && inp.manifest ? [...outcomes.keys()].filter((k) => !expected.includes(k)) : [];
    if (extra.length) flags.push({ kind: 'unexpected-tests', severity: 'warning', message: `${meta.name}: ${extra.length} test(s) ran that the pristine suite does not declare (registered by the submission's code?); ignored`, files: extra.slice(0, 20) });
    let skippedHere = 0;
    for (const ex of meta.exercises) {
      const mine = expected.filter((k) => k.startsWith(`${ex.id} > `));
      const base = { kind: 'test' as const, checklist: ex.checklist, module: meta.name, exercise: ex.id };
      if (!graded || mine.length === 0) {
        const status: CheckStatus = graded ? 'failed' : 'not-graded';
        if (graded) flags.push({ kind: 'missing-tests', severity: 'problem', message: `${meta.name}/${ex.id}: no tests of this exercise ran` });
        drafts.push({ ...base, id: `test:${meta.name}/${ex.id}`, name: `${meta.name} > ${ex.id}`, status, message: graded ? 'no tests of this exercise ran' : 'module not graded in this run', duration: 0, shares: new Map() });
        continue;
      }
      for (const key of mine) {
        const got = outcomes.get(key)?.shift();
        let status: CheckStatus = 'failed';
        let message = '';
        if (!got) message = run.timedOut ? 'did not run: the suite timed out' : run.crashed ? `did not run: ${firstLine(run.crashed)}` : 'did not run';
        else if (got.status === 'passed') status = 'passed';
        else if (got.status === 'failed') message = got.message;
        else if (inp.envSkips.has(meta.name)) {
          status = 'not-graded';
          message = `skipped: ${inp.envSkips.get(meta.name)}`;
        } else {
          message = 'skipped: did not run';
          skippedHere++;
        }
        drafts.push({ ...base, id: `test:${meta.name}/${key}`, name: `${meta.name} > ${key}`, status, message, duration: Math.round(got?.durationMs ?? 0), shares: new Map() });
      }
    }
    if (skippedHere) flags.push({ kind: 'skipped-at-run', severity: 'warning', message: `${meta.name}: ${skippedHere} test(s) were skipped at run time; they count as failed` });
  }
  return drafts;
}

function otherDrafts(inp: ScoreInputs): Draft[] {
  const drafts: Draft[] = [];
  const itemsOf = (pred: (id: ChecklistId) => boolean) => checklistItems.map((i) => i.id).filter(pred);
  const graded = gradeQuiz(inp.inspection.quiz ?? {});
  for (const q of quiz) {
    const items = itemsOf((id) => evidence[id].quiz?.includes(q.id) ?? false);
    if (!items.length) continue;
    const status: CheckStatus = !inp.graded.quiz ? 'not-graded' : graded.correct.includes(q.id) ? 'passed' : 'failed';
    const message = status === 'failed' ? (graded.wrong.includes(q.id) ? 'wrong answer: run `npm run quiz` to try again (it explains each answer)' : 'not answered: run `npm run quiz`') : '';
    drafts.push({ id: `quiz:${q.id}`, kind: 'quiz', name: `quiz ${q.id}: ${q.question}`, status, message, duration: 0, checklist: items, shares: new Map() });
  }
  for (const lab of Object.keys(labFolders) as LabId[]) {
    const items = itemsOf((id) => evidence[id].lab === lab);
    const ev = inp.inspection.labs[lab];
    const status: CheckStatus = !inp.graded.labs ? 'not-graded' : ev.passed ? 'passed' : 'failed';
    drafts.push({ id: `lab:${lab}`, kind: 'lab', name: `${lab} results (${labFolders[lab]}/results/)`, status, message: status === 'passed' ? '' : status === 'failed' ? ev.message : 'labs not graded in this run', duration: 0, checklist: items, shares: new Map() });
  }
  const ttftItems = itemsOf((id) => evidence[id].ttftBenchmark === true);
  const t = inp.graded.ttft ? inp.ttft : null;
  drafts.push({ id: 'ttft:benchmark', kind: 'ttft', name: 'TTFT: your streaming against the reference, same run, same cassette', status: t?.status ?? 'not-graded', message: t?.message ?? 'TTFT not measured in this run', duration: t?.duration ?? 0, checklist: ttftItems, shares: new Map() });
  const msItems = itemsOf((id) => evidence[id].milestone === true);
  for (const m of inp.graded.milestone && inp.milestone ? inp.milestone : [{ name: 'server, README and git history', status: 'not-graded' as const, message: 'not graded in this run', duration: 0, weight: 1 }]) {
    drafts.push({ id: `milestone:${m.name}`, kind: 'milestone', name: `milestone: ${m.name}`, status: m.status, message: m.message, duration: m.duration, checklist: msItems, shares: new Map([[msItems[0], m.weight]]) });
  }
  return drafts;
}

/** Give every draft its share of each item's weight. */
function distribute(drafts: Draft[], catalogue: ModuleMeta[]): void {
  for (const item of checklistItems) {
    const mine = drafts.filter((d) => d.checklist.includes(item.id));
    const kinds = [...new Set(mine.map((d) => d.kind))];
    const perKind = evidence[item.id].weight / kinds.length;
    for (const kind of kinds) {
      const ofKind = mine.filter((d) => d.kind === kind);
      if (kind === 'test') {
        const exercises = catalogue.flatMap((m) => m.exercises.filter((e) => e.checklist.includes(item.id)).map((e) => `${m.name}/${e.id}`));
        for (const ex of exercises) {
          const tests = ofKind.filter((d) => `${d.module}/${d.exercise}` === ex);
          for (const d of tests) d.shares.set(item.id, perKind / exercises.length / tests.length);
        }
      } else if (kind === 'milestone') {
        const total = ofKind.reduce((s, d) => s + (d.shares.get(item.id) ?? 1), 0);
        for (const d of ofKind) d.shares.set(item.id, (perKind * (d.shares.get(item.id) ?? 1)) / total);
      } else for (const d of ofKind) d.shares.set(item.id, perKind / ofKind.length);
    }
  }
}

function hintFor(meta: ModuleMeta, exId: string, seen: Record<string, number>): Hint {
  const ex = meta.exercises.find((e) => e.id === exId)!;
  const level = Math.min((seen[`${meta.name}/${ex.id}`] ?? 0) + 1, ex.hints.length);
  return { module: meta.name, exercise: ex.id, title: ex.title, lesson: ex.lesson, readme: `modules/${meta.name}/README.md`, level, of: ex.hints.length, text: ex.hints[level - 1] ?? '', command: `npm start -- hint ${ex.id}` };
}

const round = (n: number) => Math.round(n * 1000) / 1000;

export function score(inp: ScoreInputs): { checks: Check[]; items: ItemReport[]; flags: IntegrityFlag[]; points: number; max: number } {
  const flags: IntegrityFlag[] = [];
  const drafts = [...testDrafts(inp, flags), ...otherDrafts(inp)];
  distribute(drafts, inp.catalogue);
  const checks: Check[] = drafts.map(({ shares, ...d }) => {
    const max = [...shares.values()].reduce((a, b) => a + b, 0);
    return { ...d, score: round(d.status === 'passed' ? max : 0), max_score: round(max) };
  });
  const items: ItemReport[] = checklistItems.map((item) => {
    const mine = drafts.filter((d) => d.checklist.includes(item.id));
    const status = (ds: Draft[]): CheckStatus => (ds.some((d) => d.status === 'failed') ? 'failed' : ds.every((d) => d.status === 'passed') ? 'passed' : 'not-graded');
    const components: Partial<Record<CheckKind, CheckStatus>> = {};
    for (const kind of new Set(mine.map((d) => d.kind))) components[kind] = status(mine.filter((d) => d.kind === kind));
    const all = status(mine);
    const itemScore = mine.reduce((s, d) => s + (d.status === 'passed' ? (d.shares.get(item.id) ?? 0) : 0), 0);
    const failing = mine.filter((d) => d.status === 'failed');
    const failedExercises = [...new Set(failing.filter((d) => d.kind === 'test').map((d) => `${d.module}/${d.exercise}`))];
    const hints = failedExercises.map((k) => {
      const [m, ex] = k.split('/');
      return hintFor(inp.catalogue.find((c) => c.name === m)!, ex, inp.inspection.hintsSeen);
    });
    return {
      id: item.id,
      text: item.text,
      weight: evidence[item.id].weight,
      status: all === 'passed' ? 'met' : all === 'failed' ? 'not-met' : 'not-graded',
      score: round(itemScore),
      max_score: evidence[item.id].weight,
      components,
      evidence: evidenceLines(mine, inp),
      failing: failing.slice(0, 8).map((d) => ({ name: d.name, kind: d.kind, message: firstLine(d.message) || d.status })),
      hints,
    };
  });
  const points = round(items.reduce((s, i) => s + i.score, 0));
  const max = items.reduce((s, i) => s + i.max_score, 0);
  return { checks, items, flags, points, max };
}

function evidenceLines(mine: Draft[], inp: ScoreInputs): string[] {
  const lines: string[] = [];
  const tests = mine.filter((d) => d.kind === 'test');
  if (tests.length) {
    const exercises = [...new Set(tests.map((d) => `${d.module}/${d.exercise}`))];
    const graded = tests.filter((d) => d.status !== 'not-graded');
    lines.push(graded.length ? `tests: ${graded.filter((d) => d.status === 'passed').length}/${graded.length} passed (${exercises.join(', ')})` : `tests: not graded (${exercises.join(', ')})`);
  }
  const q = mine.filter((d) => d.kind === 'quiz');
  if (q.length) lines.push(`quiz: ${q.map((d) => `${d.id.slice(5)} ${d.status === 'passed' ? 'right' : d.status === 'failed' ? 'not right' : 'not graded'}`).join(', ')}`);
  for (const d of mine.filter((x) => x.kind === 'lab')) {
    const lab = d.id.slice(4) as LabId;
    lines.push(`lab: ${d.status === 'not-graded' ? 'not graded' : inp.inspection.labs[lab].message}`);
  }
  for (const d of mine.filter((x) => x.kind === 'ttft')) lines.push(`TTFT: ${d.status === 'not-graded' ? d.message : `${d.status}: ${d.message}`}`);
  for (const d of mine.filter((x) => x.kind === 'milestone')) lines.push(`${d.name}: ${d.status}${d.message ? ` (${firstLine(d.message)})` : ''}`);
  return lines;
}
