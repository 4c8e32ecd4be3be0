import type { ChecklistId } from '../../checklist/items.ts';

/**
 * One exercise, declared once. The workbench (npm start), the grader and the
 * README tables all read these declarations; nothing else lists exercises.
 */
export interface ExerciseMeta {
  /** Stable id, also the name of the suite's describe block for it. */
  id: string;
  title: string;
  /** The learner's file, relative to the module folder (the reference mirrors it under reference/). */
  file: string;
  /** Heading of the lesson section in the module README that teaches it. */
  lesson: string;
  /** Hints in levels: the first nudges, the last all but gives the answer. */
  hints: string[];
  /** Mastery checklist items that passing this exercise's tests evidences. */
  checklist: ChecklistId[];
}

export interface ModuleMeta {
  name: 'streaming' | 'state' | 'context' | 'persistence';
  title: string;
  /** In the order a learner should do them. */
  exercises: ExerciseMeta[];
}
