/** npm run grade — grade the workspace, one submission or a folder of them against the mastery checklist. */
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { loadCatalogue } from '../modules/catalogue.ts';
import { choiceOption, numberOption, parseCommand, paint, runMain, UsageError } from './lib/cli.ts';
import { repoRoot } from './lib/run-suite.ts';
import { gradeBatch, gradebookCsv, gradebookJson, listSubmissions } from './grader/batch.ts';
import { gradeSubmission, type GradeOptions } from './grader/grade-submission.ts';
import { loadManifest, type Manifest } from './grader/manifest.ts';
import { createProgress } from './grader/progress.ts';
import { renderTerminal } from './grader/report-terminal.ts';
import { defaultTtftOptions } from './grader/ttft.ts';
import { reportFormats, writeReports, type ReportFormat } from './grader/write-reports.ts';
import { workspaceDir } from './workbench/workspace.ts';

const skippable = ['ttft', 'milestone', 'quiz', 'labs'] as const;

runMain(async () => {
  const { values } = parseCommand({
    name: 'grade',
    summary: 'grade against the mastery checklist: module suites, quiz, labs, TTFT and the milestone, in a sandbox',
    usage: 'npm run grade [-- --submission <dir> | --submissions <dir>] [options]',
    options: {
      submission: { type: 'string' },
      submissions: { type: 'string' },
      out: { type: 'string' },
      modules: { type: 'string' },
      skip: { type: 'string' },
      jobs: { type: 'string' },
      timeout: { type: 'string' },
      'test-timeout': { type: 'string' },
      'milestone-url': { type: 'string' },
      'ttft-speed': { type: 'string' },
      'ttft-trials': { type: 'string' },
      containment: { type: 'string' },
      reports: { type: 'string' },
      'fail-under': { type: 'string' },
      json: { type: 'boolean' },
      verbose: { type: 'boolean', short: 'v' },
      quiet: { type: 'boolean', short: 'q' },
      keep: { type: 'boolean' },
    },
    help: [
      ['(no flags)', 'grade your own workspace: your exercises, .workbench/quiz.json, labs/*/results'],
      ['--submission <dir>', 'grade one submission (a folder shaped like this workbench)'],
      ['--submissions <dir>', 'grade every folder in <dir>, in parallel, into a gradebook (CSV + JSON)'],
      ['--out <dir>', 'where report files go (default grader-out/)'],
      ['--modules <a,b>', `only these module suites (default all: streaming,state,context,persistence)`],
      ['--skip <a,b>', `skip some evidence: ${skippable.join(', ')}`],
      ['--jobs <n>', `submissions graded at once in batch mode (default ${availableParallelism()}, the cores)`],
      ['--timeout <s>', 'time limit per suite run, in seconds (default 300)'],
      ['--test-timeout <s>', "time limit per test, in seconds (default: the suites' own, 30)"],
      ['--milestone-url <url>', 'grade a milestone server already running at this URL instead of starting it'],
      ['--ttft-speed <x>', `simulator speed for the TTFT comparison (default ${defaultTtftOptions.speed})`],
      ['--ttft-trials <n>', `trials per round and implementation (default ${defaultTtftOptions.trials})`],
      ['--containment <level>', 'auto (default), namespaces, network or process: cap the sandbox level'],
      ['--reports <list>', `report files to write: ${reportFormats.join(', ')} or none (default all)`],
      ['--fail-under <pct>', 'exit 1 when the score is below this percentage (for CI)'],
      ['--json', 'print the JSON report on stdout instead of the terminal summary'],
      ['--verbose, -v', 'show the evidence of met items too'],
      ['--quiet, -q', 'no progress output'],
      ['--keep', 'keep the grading folders (for debugging the grader)'],
    ],
    examples: ['npm run grade', 'npm run grade -- --submission ../alice', 'npm run grade -- --submissions ./submissions --jobs 2', 'npm run grade -- --modules context --skip ttft,milestone'],
  });

  if (values.submission && values.submissions) throw new UsageError('use --submission or --submissions, not both');
  const catalogue: string[] = (await loadCatalogue()).map((m) => m.name);
  const modules = values.modules ? values.modules.split(',').map((s) => s.trim()).filter(Boolean) : catalogue;
  for (const m of modules) if (!catalogue.includes(m)) throw new UsageError(`--modules: no module "${m}"; choose from ${catalogue.join(', ')}`);
  const skip = values.skip ? values.skip.split(',').map((s) => s.trim()).filter(Boolean) : [];
  for (const s of skip) choiceOption(s, '--skip', skippable, 'ttft');
  const reports: ReportFormat[] = values.reports === 'none' ? [] : values.reports ? values.reports.split(',').map((s) => choiceOption(s.trim(), '--reports', reportFormats, 'json')) : [...reportFormats];
  const containment = choiceOption(values.containment, '--containment', ['auto', 'namespaces', 'network', 'process'] as const, 'auto');
  const jobs = numberOption(values.jobs, '--jobs', availableParallelism(), { min: 1, max: 64 });
  const timeoutMs = numberOption(values.timeout, '--timeout', 300, { min: 5, max: 3600 }) * 1000;
  const testTimeoutMs = values['test-timeout'] === undefined ? undefined : numberOption(values['test-timeout'], '--test-timeout', 30, { min: 1, max: 600 }) * 1000;
  const speed = numberOption(values['ttft-speed'], '--ttft-speed', defaultTtftOptions.speed, { min: 0.05, max: 1 });
  const trials = numberOption(values['ttft-trials'], '--ttft-trials', defaultTtftOptions.trials, { min: 3, max: 50 });
  const failUnder = values['fail-under'] === undefined ? null : numberOption(values['fail-under'], '--fail-under', 0, { min: 0, max: 100 });
  const milestoneUrl = values['milestone-url'];
  if (milestoneUrl !== undefined && !/^https?:\/\/[^/]+/.test(milestoneUrl)) throw new UsageError(`--milestone-url must be an http(s) URL; got "${milestoneUrl}"`);
  if (milestoneUrl && values.submissions) throw new UsageError('--milestone-url grades one server: use it with --submission or the workspace, not --submissions');
  const isDir = (p: string, flag: string) => {
    if (!existsSync(p) || !statSync(p).isDirectory()) throw new UsageError(`${flag}: no such folder: ${p}`);
    return path.resolve(p);
  };
  const out = path.resolve(values.out ?? path.join(repoRoot, 'grader-out'));
  mkdirSync(out, { recursive: true });

  const progress = createProgress(1, process.stderr, values.quiet);
  let manifest: Manifest | null = null;
  try {
    progress.stage('grader', "listing the pristine suites' tests");
    manifest = await loadManifest(modules, path.join(out, '.cache'));
  } catch (e) {
    process.stderr.write(`${paint('yellow', 'warning')}: ${(e as Error).message}\nGrading against what ran instead.\n`);
  }
  progress.end();

  const workDir = mkdtempSync(path.join(tmpdir(), 'grader-'));
  const base: Omit<GradeOptions, 'root' | 'name' | 'kind' | 'onProgress'> = {
    modules,
    quiz: !skip.includes('quiz'),
    labs: !skip.includes('labs'),
    ttft: !skip.includes('ttft') && modules.includes('streaming'),
    milestone: !skip.includes('milestone'),
    milestoneUrl,
    timeoutMs,
    testTimeoutMs,
    containment,
    manifest,
    workDir,
    hide: [out],
    ttftOptions: { ...defaultTtftOptions, speed, trials },
    keep: values.keep,
  };

  try {
    if (values.submissions) {
      const dir = isDir(values.submissions, '--submissions');
      const names = listSubmissions(dir);
      if (names.length === 0) throw new UsageError(`--submissions: ${dir} has no submission folders`);
      const batchProgress = createProgress(names.length, process.stderr, values.quiet);
      const all = await gradeBatch({ dir, jobs, out, formats: reports, progress: batchProgress, base: { ...base, hide: [out, dir] } });
      batchProgress.end();
      writeFileSync(path.join(out, 'gradebook.csv'), gradebookCsv(all));
      writeFileSync(path.join(out, 'gradebook.json'), JSON.stringify(gradebookJson(all), null, 2) + '\n');
      if (values.json) process.stdout.write(JSON.stringify(gradebookJson(all), null, 2) + '\n');
      else {
        for (const r of all) console.log(`${r.submission.name.padEnd(30)} ${String(r.score.percent).padStart(5)}%  ${r.items.filter((i) => i.status === 'met').length}/${r.items.length} items  integrity: ${r.integrity.status}${r.error ? '  (grading error)' : ''}`);
        console.log(`\nGradebook: ${path.relative(process.cwd(), path.join(out, 'gradebook.csv'))} and gradebook.json; one report folder per submission in ${path.relative(process.cwd(), out) || '.'}`);
      }
      if (failUnder !== null && all.some((r) => r.score.percent < failUnder)) process.exitCode = 1;
      return;
    }
    const single = values.submission ? { root: isDir(values.submission, '--submission'), kind: 'submission' as const } : { root: repoRoot, kind: 'workspace' as const };
    const name = single.kind === 'workspace' ? 'workspace' : path.basename(single.root);
    const p = createProgress(1, process.stderr, values.quiet);
    const report = await gradeSubmission({ ...base, ...single, name, hide: single.kind === 'submission' ? [out, single.root] : [out], workbenchDir: single.kind === 'workspace' ? workspaceDir() : undefined, onProgress: (s) => p.stage(name, s) });
    p.end();
    const files = writeReports(report, path.join(out, name === 'workspace' ? 'workspace' : name.replace(/[^A-Za-z0-9._-]+/g, '_')), reports);
    if (values.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    else {
      console.log(renderTerminal(report, { stream: process.stdout, verbose: values.verbose }));
      if (files.length) console.log(paint('dim', `\nReports: ${files.map((f) => path.relative(process.cwd(), f)).join(', ')}`, process.stdout));
    }
    if (report.error) process.exitCode = 1;
    if (failUnder !== null && report.score.percent < failUnder) process.exitCode = 1;
  } finally {
    if (!values.keep) rmSync(workDir, { recursive: true, force: true });
  }
});
