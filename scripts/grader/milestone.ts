import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../lib/run-suite.ts';
import type { Inspection } from './inspect.ts';
import type { SandboxSpec } from './sandbox.ts';
import type { CheckStatus, MilestoneMetrics } from './types.ts';

/**
 * The milestone item: a README that says how to run the server, a git
 * history, and the black-box conformance suite against the server, started
 * from the submission's milestone.json (inside the sandbox) or reached at
 * --milestone-url.
 */
export interface MilestoneCheck {
  name: string;
  status: CheckStatus;
  message: string;
  duration: number;
  /** Relative weight inside the milestone item. */
  weight: number;
}

export interface MilestoneArgs {
  root: string;
  inspection: Inspection;
  url?: string;
  spec: SandboxSpec;
  timeoutMs: number;
}

export const conformanceRunner = path.join(repoRoot, 'labs', 'milestone', 'conformance', 'run.ts');

export async function gradeMilestone(a: MilestoneArgs): Promise<{ checks: MilestoneCheck[]; metrics: MilestoneMetrics }> {
  const { inspection } = a;
  const checks: MilestoneCheck[] = [
    { name: 'README says how to run it', status: inspection.readme.saysHowToRun ? 'passed' : 'failed', message: inspection.readme.saysHowToRun ? '' : inspection.readme.note, duration: 0, weight: 1 },
    { name: 'git history', status: inspection.git.commits > 0 ? 'passed' : 'failed', message: inspection.git.commits > 0 ? '' : `${inspection.git.note}: commit your work (git log must show commits)`, duration: 0, weight: 1 },
  ];
  const metrics: MilestoneMetrics = { how: a.url ? 'url' : inspection.milestone ? 'spawn' : 'none', command: inspection.milestone?.start, url: a.url, readme: inspection.readme.saysHowToRun, commits: inspection.git.commits, conformance: null, message: '' };
  const conf = await runConformance(a);
  metrics.conformance = conf.counts;
  metrics.message = conf.message;
  checks.push(...conf.checks);
  return { checks, metrics };
}

interface ConformanceOutcome {
  checks: MilestoneCheck[];
  counts: MilestoneMetrics['conformance'];
  message: string;
}

/** The conformance suite's share of the milestone item: 2 of 4 (README 1, git 1). */
const CONFORMANCE_WEIGHT = 2;

async function runConformance(a: MilestoneArgs): Promise<ConformanceOutcome> {
  const single = (status: CheckStatus, message: string): ConformanceOutcome => ({ checks: [{ name: 'conformance suite', status, message, duration: 0, weight: CONFORMANCE_WEIGHT }], counts: null, message });
  if (!existsSync(conformanceRunner)) return single('not-graded', 'the conformance suite (labs/milestone/conformance/run.ts) is not in this workbench yet');
  if (!a.url && !a.inspection.milestone) return single('failed', a.inspection.milestoneNote);
  return single('not-graded', 'conformance runner integration pending');
}
