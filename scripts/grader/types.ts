import type { ChecklistId } from '../../checklist/items.ts';

/** The grader's report: one per submission, the source of every output format. */

export type ContainmentLevel = 'namespaces' | 'network' | 'process';

export interface Containment {
  level: ContainmentLevel;
  network: string;
  processes: string;
  filesystem: string;
  environment: string;
  redis: string;
  notes: string[];
}

export type CheckKind = 'test' | 'quiz' | 'lab' | 'ttft' | 'milestone';
export type CheckStatus = 'passed' | 'failed' | 'not-graded';

/** One graded piece of evidence: a suite test, a quiz question, a lab result, the TTFT benchmark, a milestone check. */
export interface Check {
  /** Unique in the report, e.g. "test:context/sliding-window > keeps whole turns". */
  id: string;
  kind: CheckKind;
  name: string;
  status: CheckStatus;
  message: string;
  score: number;
  max_score: number;
  /** ms; 0 when not measured. */
  duration: number;
  /** The checklist items this check evidences. */
  checklist: ChecklistId[];
  module?: string;
  exercise?: string;
}

export type ItemStatus = 'met' | 'not-met' | 'not-graded';

export interface Hint {
  module: string;
  exercise: string;
  title: string;
  /** The README section to read. */
  lesson: string;
  readme: string;
  level: number;
  of: number;
  text: string;
  command: string;
}

export interface ItemReport {
  id: ChecklistId;
  text: string;
  weight: number;
  status: ItemStatus;
  score: number;
  max_score: number;
  /** Status of each kind of evidence the item needs. */
  components: Partial<Record<CheckKind, CheckStatus>>;
  /** One line per piece of evidence: what was checked and what was found. */
  evidence: string[];
  /** The failing checks, with their messages. */
  failing: Array<{ name: string; kind: CheckKind; message: string }>;
  /** What to read next, from the exercise metadata. */
  hints: Hint[];
}

export type Severity = 'info' | 'warning' | 'problem';

export interface IntegrityFlag {
  kind:
    | 'zero-tests'
    | 'missing-tests'
    | 'focus-or-skip'
    | 'suite-edited'
    | 'grader-files-modified'
    | 'imports-reference'
    | 'identical-to-reference'
    | 'symlink'
    | 'not-copied'
    | 'network-attempt'
    | 'timeout'
    | 'crashed'
    | 'skipped-at-run'
    | 'unexpected-tests';
  severity: Severity;
  message: string;
  files?: string[];
}

export interface TtftMetrics {
  status: CheckStatus;
  speed: number;
  rounds: number;
  providers: Array<{
    provider: 'anthropic' | 'openai';
    referenceMs: number[];
    submissionMs: number[];
    referenceMedianMs: number;
    submissionMedianMs: number;
    /** reference median / submission median: 1 = as fast as the reference. */
    ratio: number;
    verdict: 'pass' | 'fail' | 'unclear';
  }>;
  message: string;
}

export interface SuiteMetrics {
  module: string;
  durationMs: number;
  passed: number;
  failed: number;
  skipped: number;
  expected: number;
  crashed: string | null;
  timedOut: boolean;
}

export interface GradeReport {
  schema: 'grade-report/v1';
  submission: { name: string; root: string; kind: 'workspace' | 'submission' };
  gradedAt: string;
  durationMs: number;
  score: { points: number; max: number; percent: number };
  items: ItemReport[];
  tests: Check[];
  metrics: { suites: SuiteMetrics[]; ttft: TtftMetrics | null; milestone: MilestoneMetrics | null };
  integrity: { status: 'ok' | Severity; flags: IntegrityFlag[] };
  containment: Containment;
  /** What this run graded (the rest is "not graded"). */
  graded: { modules: string[]; quiz: boolean; labs: boolean; ttft: boolean; milestone: boolean };
  /** A grading failure (the grader's, not the submission's), if any. */
  error?: string;
}

export interface MilestoneMetrics {
  how: 'spawn' | 'url' | 'none';
  command?: string;
  url?: string;
  readme: boolean;
  commits: number;
  conformance: { passed: number; failed: number; total: number } | null;
  message: string;
}
