import { lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { checklistItems } from '../../checklist/items.ts';
import { gradeSubmission, type GradeOptions } from './grade-submission.ts';
import type { Progress } from './progress.ts';
import type { GradeReport } from './types.ts';
import { writeReports, type ReportFormat } from './write-reports.ts';

/**
 * Batch mode: every folder in a submissions folder, graded in parallel (up to
 * `jobs` at once, each in its own sandbox), one report folder each, and a
 * gradebook (CSV + JSON) across them.
 */
export function listSubmissions(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => !n.startsWith('.') && lstatSync(path.join(dir, n)).isDirectory())
    .sort();
}

export interface BatchOptions {
  dir: string;
  jobs: number;
  out: string;
  formats: readonly ReportFormat[];
  progress: Progress;
  base: Omit<GradeOptions, 'root' | 'name' | 'kind' | 'onProgress'>;
}

export async function gradeBatch(o: BatchOptions): Promise<GradeReport[]> {
  const names = listSubmissions(o.dir);
  const reports: GradeReport[] = new Array(names.length);
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const i = next++;
      const name = names[i];
      const report = await gradeSubmission({ ...o.base, root: path.join(o.dir, name), name, kind: 'submission', onProgress: (s) => o.progress.stage(name, s) });
      writeReports(report, path.join(o.out, safeName(name)), o.formats);
      reports[i] = report;
      o.progress.done(name, `${report.score.points}/${report.score.max} (${report.score.percent}%)${report.integrity.status !== 'ok' ? `, integrity: ${report.integrity.status}` : ''}${report.error ? ', grading error' : ''}`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.jobs, names.length)) }, worker));
  return reports;
}

export const safeName = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_') || 'submission';

/** A CSV cell: quoted when needed, and never read as a formula by a spreadsheet. */
function cell(v: string | number): string {
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s) && typeof v === 'string') s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function gradebookCsv(reports: GradeReport[]): string {
  const ids = checklistItems.map((i) => i.id);
  const head = ['submission', 'points', 'max', 'percent', 'items_met', 'integrity', 'integrity_flags', 'containment', 'error', ...ids];
  const rows = reports.map((r) => [
    r.submission.name,
    r.score.points,
    r.score.max,
    r.score.percent,
    r.items.filter((i) => i.status === 'met').length,
    r.integrity.status,
    [...new Set(r.integrity.flags.filter((f) => f.severity !== 'info').map((f) => f.kind))].join(' '),
    r.containment.level,
    r.error ? r.error.split('\n')[0] : '',
    ...ids.map((id) => r.items.find((i) => i.id === id)?.score ?? 0),
  ]);
  return [head, ...rows].map((row) => row.map(cell).join(',')).join('\n') + '\n';
}

export function gradebookJson(reports: GradeReport[]): unknown {
  return {
    schema: 'gradebook/v1',
    gradedAt: new Date().toISOString(),
    items: checklistItems.map((i) => ({ id: i.id, text: i.text })),
    submissions: reports.map((r) => ({
      submission: r.submission.name,
      points: r.score.points,
      max: r.score.max,
      percent: r.score.percent,
      items: Object.fromEntries(r.items.map((i) => [i.id, { status: i.status, score: i.score, max: i.max_score }])),
      integrity: { status: r.integrity.status, flags: r.integrity.flags.map((f) => ({ kind: f.kind, severity: f.severity, message: f.message })) },
      containment: r.containment.level,
      ttft: r.metrics.ttft?.providers.map((p) => ({ provider: p.provider, ratio: p.ratio, verdict: p.verdict })) ?? null,
      report: `${safeName(r.submission.name)}/report.json`,
      error: r.error ?? null,
    })),
  };
}
