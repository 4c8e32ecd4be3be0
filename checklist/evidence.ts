import type { ChecklistId } from './items.ts';

/**
 * What proves each checklist item, beyond the module tests. Which tests
 * evidence an item is declared once, on the exercises in each module's
 * module.ts; here are the rest: quiz questions, lab results, the TTFT
 * benchmark, and the milestone. The grader joins the two.
 */
export type LabId = 'lab1-ttft' | 'lab2-forgetting' | 'lab3-session-store';

export interface Evidence {
  /** Quiz question ids (checklist/quiz.ts) that must be answered correctly. */
  quiz?: string[];
  /** A lab whose results file must exist and show the lab's point. */
  lab?: LabId;
  /** The TTFT comparison against the reference, measured by the grader. */
  ttftBenchmark?: boolean;
  /** The milestone conformance suite, a README saying how to run it, and a git history. */
  milestone?: boolean;
  /** Points for this item (weights are data). */
  weight: number;
}

export const evidence: Record<ChecklistId, Evidence> = {
  'why-streaming-feels-faster': { quiz: ['q1', 'q2'], lab: 'lab1-ttft', weight: 4 },
  'sse-event-types': { quiz: ['q3', 'q4'], weight: 5 },
  'stream-both-sdks': { weight: 6 },
  'sse-endpoint': { weight: 6 },
  'accel-buffering': { quiz: ['q5'], weight: 3 },
  'mid-stream-errors': { quiz: ['q6'], weight: 6 },
  'llms-stateless': { quiz: ['q7', 'q8'], lab: 'lab2-forgetting', weight: 4 },
  'conversation-manager': { weight: 7 },
  'count-tokens': { quiz: ['q12'], weight: 5 },
  'sliding-window': { weight: 7 },
  summarisation: { weight: 6 },
  'sqlite-history': { weight: 6 },
  'redis-vs-sqlite': { quiz: ['q9', 'q10'], weight: 6 },
  'final-message': { quiz: ['q11'], weight: 4 },
  'lab1-ttft': { lab: 'lab1-ttft', ttftBenchmark: true, weight: 5 },
  'lab2-forgetting': { lab: 'lab2-forgetting', weight: 5 },
  'lab3-session-store': { lab: 'lab3-session-store', weight: 5 },
  milestone: { milestone: true, weight: 10 },
};
