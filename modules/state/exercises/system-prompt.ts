import { todo } from '../../shared/not-implemented.ts';

/**
 * System prompts for conversations that last more than one turn. Sent with
 * every call, the system prompt is the one instruction that never scrolls out
 * of the window: use it to say what to carry across turns, how to read "it",
 * and how to behave per kind of request.
 */

export type AmbiguityPolicy = 'ask' | 'assume-most-recent';

export interface SystemPromptSpec {
  /** Who the assistant is and for whom: one or two sentences. Required. */
  role: string;
  /** What to keep and reuse across turns. Default: DEFAULT_REMEMBER. Pass [] for none. */
  remember?: readonly string[];
  /** How to treat a reference earlier turns do not settle. Default 'ask'. */
  ambiguity?: AmbiguityPolicy;
  /** Behaviour per kind of request, e.g. { 'Code review': 'Cite line numbers.' }. In insertion order. */
  tasks?: Readonly<Record<string, string>>;
  /** Facts known before the conversation starts (a profile, a ticket), one per line. */
  knownFacts?: readonly string[];
}

/** What a multi-turn assistant should carry from turn to turn unless told otherwise. */
export const DEFAULT_REMEMBER: readonly string[] = Object.freeze([
  "the user's name and role, once they give them",
  'the languages, tools and versions they work with',
  'the project, code or data they have shown you',
  'decisions and constraints agreed earlier in this conversation',
]);

/** A worked example: a coding assistant that keeps context and asks when unsure. */
export const CODING_ASSISTANT: SystemPromptSpec = Object.freeze({
  role: 'You are a patient coding assistant for software engineers.',
  remember: DEFAULT_REMEMBER,
  ambiguity: 'ask',
  tasks: Object.freeze({
    'Code review': 'point to the exact lines you mean and say why each change matters.',
    Debugging: 'if the user has not shown the error message or stack trace, ask for it before guessing.',
    Explaining: 'start from what the user already told you they know.',
  }),
});

/**
 * Build the prompt from a spec, sections in this order, each only when it has
 * content: the role; what to remember (one "- item" per line); how to resolve
 * references like "the function" from earlier turns, and, with 'ask', to ask a
 * short question when the earlier turns do not settle it (with
 * 'assume-most-recent': take the most recent one and say so); the per-task
 * rules ("- Task: rule"); the known facts. Throw a TypeError for an empty role.
 */
export function buildSystemPrompt(spec: SystemPromptSpec): string {
  void spec;
  return todo('state-system-prompt');
}
