/**
 * Small helpers every backend shares. Provided: not an exercise.
 */
import type { Role, StoredMessage, Usage } from './types.ts';

/**
 * Index where the last `n` turns begin. A turn starts at a user message; when
 * there are fewer than `n` turns the whole history is returned (including any
 * assistant messages before the first user message). n = 0 gives the end.
 */
export function lastTurnsStart(roles: readonly Role[], n: number): number {
  if (n <= 0) return roles.length;
  let seen = 0;
  for (let i = roles.length - 1; i >= 0; i--) {
    if (roles[i] === 'user' && ++seen === n) return i;
  }
  return 0;
}

/** The last `n` whole turns of a history (undefined: all of it). */
export function sliceLastTurns<T extends { role: Role }>(messages: readonly T[], n: number | undefined): T[] {
  if (n === undefined) return [...messages];
  return messages.slice(lastTurnsStart(messages.map((m) => m.role), n));
}

export interface Totals {
  turns: number;
  tokensIn: number;
  tokensOut: number;
}

/** What a batch of messages adds to a session's stats. */
export function totalsOf(messages: readonly { role: Role; usage: Usage | null }[]): Totals {
  const t: Totals = { turns: 0, tokensIn: 0, tokensOut: 0 };
  for (const m of messages) {
    if (m.role === 'user') t.turns++;
    if (m.usage) {
      t.tokensIn += m.usage.input;
      t.tokensOut += m.usage.output;
    }
  }
  return t;
}

/** Now, as the ISO 8601 UTC string every backend stores. */
export function nowIso(): string {
  return new Date().toISOString();
}

/** Sessions sorted the way listSessions returns them: most recently updated first, then by id. */
export function byRecency(a: { updatedAt: string; id: string }, b: { updatedAt: string; id: string }): number {
  if (a.updatedAt !== b.updatedAt) return a.updatedAt < b.updatedAt ? 1 : -1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The last message's seq, 0 for none: how far a copy of a session reaches. */
export function lastSeqOf(messages: readonly StoredMessage[]): number {
  return messages.length === 0 ? 0 : messages[messages.length - 1].seq;
}
