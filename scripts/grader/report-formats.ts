import type { Check, GradeReport } from './types.ts';
import { fmt } from './report-terminal.ts';

/**
 * The report in other shapes: Markdown (for a PR comment or an LMS), GitHub
 * Classroom's autograding runner result, Gradescope's results.json, JUnit XML.
 * All are views of the same GradeReport.
 */

const md = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

export function renderMarkdown(r: GradeReport): string {
  const out: string[] = [];
  out.push(`# Grade: ${r.submission.name}`, '');
  out.push(`**${fmt(r.score.points)} / ${r.score.max} points (${r.score.percent}%)**, ${r.items.filter((i) => i.status === 'met').length} of ${r.items.length} checklist items met. Graded ${r.gradedAt}.`, '');
  if (r.error) out.push(`> Grading error: ${md(r.error.split('\n')[0])}`, '');
  out.push('| | checklist item | points | evidence |', '| --- | --- | ---: | --- |');
  for (const i of r.items) {
    const mark = i.status === 'met' ? 'met' : i.status === 'not-met' ? '**not met**' : 'not graded';
    out.push(`| ${mark} | ${md(i.text)} | ${fmt(i.score)}/${i.max_score} | ${md(i.evidence.join('; '))} |`);
  }
  const open = r.items.filter((i) => i.status === 'not-met');
  if (open.length) {
    out.push('', '## What to do next', '');
    for (const i of open) {
      out.push(`### ${i.text}`, '');
      for (const f of i.failing.slice(0, 5)) out.push(`- ${md(f.name)}${f.message ? `: \`${md(f.message).replace(/`/g, "'").slice(0, 300)}\`` : ''}`);
      for (const h of i.hints) out.push(`- Read [${h.lesson}](${h.readme}) (${h.module}/${h.exercise}). Hint ${h.level}/${h.of}: ${md(h.text)} (\`${h.command}\`)`);
      out.push('');
    }
  }
  if (r.metrics.ttft) {
    out.push('## Time to first token', '', md(r.metrics.ttft.message), '');
    if (r.metrics.ttft.providers.length) {
      out.push('| provider | reference median (ms) | yours (ms) | ratio | verdict |', '| --- | ---: | ---: | ---: | --- |');
      for (const p of r.metrics.ttft.providers) out.push(`| ${p.provider} | ${p.referenceMedianMs} | ${p.submissionMedianMs} | ${p.ratio} | ${p.verdict} |`);
      out.push('');
    }
  }
  out.push('## Integrity and containment', '');
  if (!r.integrity.flags.length) out.push('No integrity problems found.');
  for (const f of r.integrity.flags) out.push(`- **${f.severity}** (${f.kind}): ${md(f.message)}${f.files?.length ? ` — ${f.files.slice(0, 5).map((x) => `\`${md(x)}\``).join(', ')}` : ''}`);
  out.push('', `Containment level **${r.containment.level}**: network ${r.containment.network}; processes: ${r.containment.processes}; file system: ${r.containment.filesystem}; Redis: ${r.containment.redis}.`, '');
  return out.join('\n');
}

/** GitHub Classroom: the `result` a runner step outputs (base64 of this JSON), read by autograding-grading-reporter. */
export function classroomResult(r: GradeReport): { version: 1; status: 'pass' | 'fail' | 'error'; max_score: number; tests: Array<Record<string, string | number>> } {
  const graded = r.tests.filter((t) => t.status !== 'not-graded');
  return {
    version: 1,
    status: r.error ? 'error' : graded.every((t) => t.status === 'passed') ? 'pass' : 'fail',
    max_score: round2(graded.reduce((s, t) => s + t.max_score, 0)),
    tests: graded.map((t) => ({
      name: t.name,
      status: t.status === 'passed' ? 'pass' : 'fail',
      message: t.message.slice(0, 1000),
      test_code: t.id,
      filename: t.module ? `modules/${t.module}/${t.module}.test.ts` : '',
      line_no: 0,
      execution_time: `${(t.duration / 1000).toFixed(3)}s`,
      score: t.score,
    })),
  };
}

/** Gradescope's autograder results.json. */
export function gradescopeResults(r: GradeReport): Record<string, unknown> {
  const tests = r.tests.filter((t) => t.status !== 'not-graded' && t.max_score > 0);
  return {
    score: r.score.points,
    execution_time: Math.round(r.durationMs / 1000),
    output: `${fmt(r.score.points)} / ${r.score.max} points; ${r.items.filter((i) => i.status === 'met').length} of ${r.items.length} checklist items met.${r.integrity.status === 'problem' ? ' Integrity problems were found: see the report.' : ''}`,
    output_format: 'md',
    visibility: 'visible',
    stdout_visibility: 'hidden',
    tests: [
      ...r.items.map((i) => ({ name: `Checklist: ${i.text}`, score: i.score, max_score: i.max_score, status: i.status === 'met' ? 'passed' : 'failed', output: [...i.evidence, ...i.failing.map((f) => `${f.name}: ${f.message}`)].join('\n'), tags: ['checklist', i.id], visibility: 'visible' })),
      ...tests.map((t: Check) => ({ name: t.name, score: 0, max_score: 0, status: t.status === 'passed' ? 'passed' : 'failed', output: t.message, tags: [t.kind, ...t.checklist], visibility: 'after_published' })),
    ],
    leaderboard: r.metrics.ttft?.providers.map((p) => ({ name: `TTFT ratio (${p.provider})`, value: p.ratio, order: 'desc' })) ?? [],
  };
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
const round2 = (n: number) => Math.round(n * 100) / 100;

/** JUnit XML: one testsuite per module (and one for quiz, labs, TTFT and milestone). */
export function junitXml(r: GradeReport): string {
  const groups = new Map<string, Check[]>();
  for (const t of r.tests) {
    const g = t.module ?? t.kind;
    groups.set(g, [...(groups.get(g) ?? []), t]);
  }
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const failures = r.tests.filter((t) => t.status === 'failed').length;
  const skipped = r.tests.filter((t) => t.status === 'not-graded').length;
  out.push(`<testsuites name="${xml(`grade ${r.submission.name}`)}" tests="${r.tests.length}" failures="${failures}" skipped="${skipped}" time="${(r.durationMs / 1000).toFixed(3)}">`);
  for (const [name, tests] of groups) {
    const time = tests.reduce((s, t) => s + t.duration, 0) / 1000;
    out.push(`  <testsuite name="${xml(name)}" tests="${tests.length}" failures="${tests.filter((t) => t.status === 'failed').length}" skipped="${tests.filter((t) => t.status === 'not-graded').length}" time="${time.toFixed(3)}">`);
    for (const t of tests) {
      const head = `    <testcase classname="${xml(`${name}${t.exercise ? `.${t.exercise}` : ''}`)}" name="${xml(t.name)}" time="${(t.duration / 1000).toFixed(3)}"`;
      if (t.status === 'passed') out.push(`${head}/>`);
      else {
        out.push(`${head}>`);
        out.push(`      <properties><property name="checklist" value="${xml(t.checklist.join(','))}"/><property name="score" value="${t.score}/${t.max_score}"/></properties>`);
        if (t.status === 'failed') out.push(`      <failure message="${xml(t.message.split('\n')[0].slice(0, 300))}">${xml(t.message)}</failure>`);
        else out.push(`      <skipped message="${xml(t.message)}"/>`);
        out.push('    </testcase>');
      }
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
