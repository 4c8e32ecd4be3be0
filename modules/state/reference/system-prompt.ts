/**
 * System prompts for conversations that last more than one turn. A one-shot
 * prompt says who the assistant is; a multi-turn prompt also says what to
 * carry from turn to turn, how to read "it" and "that function", and how to
 * behave for each kind of request. The prompt is sent with every call, so it
 * is the one instruction that never scrolls out of the window.
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

const REFERENCES: Record<AmbiguityPolicy, string> = {
  ask:
    'When the user says "the function", "that error" or "it" without naming it, resolve it from the earlier turns of this conversation. ' +
    'If the earlier turns do not make clear which one they mean, ask one short question to find out before answering.',
  'assume-most-recent':
    'When the user says "the function", "that error" or "it" without naming it, resolve it from the earlier turns of this conversation. ' +
    'If more than one thing fits, take the most recently discussed one and say which one you assumed.',
};

/**
 * Build a multi-turn system prompt from a spec: role, what to remember, how to
 * resolve references, per-task rules and known facts, in that order, each
 * section present only when it has content.
 */
export function buildSystemPrompt(spec: SystemPromptSpec): string {
  if (!spec || typeof spec.role !== 'string' || spec.role.trim() === '') {
    throw new TypeError('buildSystemPrompt needs a role: who the assistant is, e.g. "You are a patient coding assistant."');
  }
  const sections: string[] = [spec.role.trim()];
  const remember = spec.remember ?? DEFAULT_REMEMBER;
  if (remember.length) {
    sections.push(['Keep track of the following throughout the conversation and use it in later answers without asking again:', ...remember.map((r) => `- ${r}`)].join('\n'));
  }
  sections.push(REFERENCES[spec.ambiguity ?? 'ask']);
  const tasks = Object.entries(spec.tasks ?? {});
  if (tasks.length) {
    sections.push(['Depending on the request:', ...tasks.map(([task, rule]) => `- ${task}: ${rule}`)].join('\n'));
  }
  if (spec.knownFacts?.length) {
    sections.push(['Known before this conversation started:', ...spec.knownFacts.map((f) => `- ${f}`)].join('\n'));
  }
  return sections.join('\n\n');
}
