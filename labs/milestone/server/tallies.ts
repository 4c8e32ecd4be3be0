/**
 * What /stats needs from a session's history, kept per session between calls
 * so that each call reads only the messages written since the one before.
 * The page asks for /stats after every reply, and reading the whole history
 * each time grows with the session (a 100,000-message one takes ~130 ms on
 * SQLite) while the answer changes by one turn.
 *
 * The store stays the source of truth: every call reads the session's latest
 * turns, from the last message this tally has seen onwards. Sequence numbers
 * are never reused, so if that message is gone the history was cleared (or
 * rewritten by another process) and the tally starts again from a whole read.
 */
import type { SessionInfo, SessionStore, StoredMessage } from '../../../modules/persistence/reference/index.ts';

export interface HistoryTally {
  /** Sum of the messages' token counts. */
  tokens: number;
  /** Tokens up to and including the last user message (what the last request held); null without one. */
  throughLastUser: number | null;
  /** Input tokens the provider reported for the last turn, if the history ends with a reply that has them. */
  lastUsageInput: number | null;
}

interface Entry extends HistoryTally {
  /** The session's createdAt: a session deleted and made again under the same id is another history. */
  createdAt: string;
  /** Turns stored when this tally was taken. */
  turns: number;
  /** seq of the last message counted; 0 when none. */
  lastSeq: number;
}

const empty = (createdAt: string): Entry => ({ tokens: 0, throughLastUser: null, lastUsageInput: null, createdAt, turns: 0, lastSeq: 0 });

export class HistoryTallies {
  readonly #entries = new Map<string, Entry>();

  /** `count`: a message's tokens (its stored count, or counted now if it has none). */
  constructor(
    private readonly count: (message: StoredMessage) => number,
    private readonly capacity = 10_000,
  ) {}

  async of(store: SessionStore, info: SessionInfo): Promise<HistoryTally> {
    const known = this.#entries.get(info.id);
    let entry: Entry | null = null;
    if (known && known.createdAt === info.createdAt && known.lastSeq > 0 && info.turns >= known.turns) {
      // The turns since, and the last one seen again: a message may have been added to it.
      const recent = await store.loadHistory(info.id, { lastTurns: info.turns - known.turns + 1 });
      const at = recent.findIndex((m) => m.seq === known.lastSeq);
      if (at >= 0) entry = this.#add({ ...known }, recent, at + 1);
    }
    entry ??= this.#add(empty(info.createdAt), await store.loadHistory(info.id), 0);
    // Turns as of `info`: a write landing between the two reads is counted now and skipped next time (by seq).
    entry.turns = info.turns;
    this.#entries.delete(info.id);
    this.#entries.set(info.id, entry); // most recently used last
    if (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value as string);
    return entry;
  }

  delete(id: string): void {
    this.#entries.delete(id);
  }

  #add(entry: Entry, messages: readonly StoredMessage[], from: number): Entry {
    for (let i = from; i < messages.length; i++) {
      const m = messages[i];
      entry.tokens += this.count(m);
      if (m.role === 'user') entry.throughLastUser = entry.tokens;
      entry.lastUsageInput = m.role === 'assistant' ? (m.usage?.input ?? null) : null;
      entry.lastSeq = m.seq;
    }
    return entry;
  }
}
