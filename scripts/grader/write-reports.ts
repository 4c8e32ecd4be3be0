import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { classroomResult, gradescopeResults, junitXml, renderMarkdown } from './report-formats.ts';
import type { GradeReport } from './types.ts';

export const reportFormats = ['json', 'markdown', 'classroom', 'gradescope', 'junit'] as const;
export type ReportFormat = (typeof reportFormats)[number];

/** Write the chosen report files for one submission into dir; returns their paths. */
export function writeReports(report: GradeReport, dir: string, formats: readonly ReportFormat[] = reportFormats): string[] {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, file);
    files.push(file);
  };
  for (const f of formats) {
    if (f === 'json') write('report.json', JSON.stringify(report, null, 2) + '\n');
    if (f === 'markdown') write('report.md', renderMarkdown(report));
    if (f === 'classroom') {
      const result = classroomResult(report);
      write('github-classroom.json', JSON.stringify(result, null, 2) + '\n');
      // What a workflow step puts in $GITHUB_OUTPUT: result=<base64>
      write('github-classroom.b64', Buffer.from(JSON.stringify(result)).toString('base64') + '\n');
    }
    if (f === 'gradescope') write('results.json', JSON.stringify(gradescopeResults(report), null, 2) + '\n');
    if (f === 'junit') write('junit.xml', junitXml(report));
  }
  return files;
}
