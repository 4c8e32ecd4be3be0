/**
 * Context policy: send the whole history until it passes `maxTokens`, then a
 * sliding window of the last `keepTurns` turns (or a summary of the older
 * turns plus those turns). It is the same bridge as Lab 2's strategies.ts
 * (the state module's contextStrategy hook -> the context module), changed in
 * three ways for a server:
 *   - the managers live for one request, so token counts come from the store
 *     (stamped once, at write time) instead of a WeakMap over Turn objects:
 *     trimming a long history calls the tokenizer only for the new message;
 *   - a threshold and a turn cap (the course's "over 50k tokens, keep the
 *     last 10 turns") instead of "the longest suffix that fits";
 *   - summaries outlive the request (kept per session, extended incrementally).
 * The window is a view: the store always keeps the whole history.
 */
import {
  REPLY_PRIMING_TOKENS,
  slidingWindow,
  summariseOldTurns,
  summaryPrompt,
  type ContextMessage,
  type Encoding,
  type StoredSummary,
  type Summariser,
} from '../../../modules/context/reference/index.ts';
import type { ChatAdapter, ChatMessage, ContextStrategy } from '../../../modules/state/reference/index.ts';
import type { ContextStrategyName } from './config.ts';
import type { HistoryTally } from './tallies.ts';

export interface ContextPolicy {
  strategy: ContextStrategyName;
  /** The history size (system prompt + messages + reply priming) above which the strategy takes over. */
  maxTokens: number;
  /** Turns kept word for word once it has, the current one included. */
  keepTurns: number;
}

export interface ContextDecision {
  kind: 'full' | 'window' | 'summary' | 'fallback';
  /** Leading turns not sent word for word. */
  droppedTurns: number;
  /** Local estimate of the request's input tokens. */
  inputTokens: number;
}

/** Summaries per session, kept between requests (in memory: after a restart the next call rebuilds one). */
export class SummaryBook {
  readonly #summaries = new Map<string, StoredSummary>();
  constructor(private readonly capacity = 10_000) {}
  get(id: string): StoredSummary | null {
    return this.#summaries.get(id) ?? null;
  }
  set(id: string, summary: StoredSummary | null): void {
    this.#summaries.delete(id);
    if (summary === null) return;
    this.#summaries.set(id, summary); // re-inserted: the map's order is least recently written first
    if (this.#summaries.size > this.capacity) this.#summaries.delete(this.#summaries.keys().next().value as string);
  }
  delete(id: string): void {
    this.#summaries.delete(id);
  }
}

export interface StrategyInput {
  policy: ContextPolicy;
  encoding: Encoding;
  /** The stored history (all of it, or its end: see history-read.ts), counted, in the manager's order. */
  stored: readonly ContextMessage[];
  /** Turns of the session before `stored` (0 when it is the whole history): the summaries count turns from the first. */
  turnOffset?: number;
  /** Tokens of the message being sent. */
  pendingTokens: number;
  systemTokens: number;
  /** Summary strategy: the session's id, where its summary lives, and who writes it. */
  sessionId: string;
  summaries: SummaryBook;
  summariser: { adapter: ChatAdapter; model: string; signal: AbortSignal };
  onDecision?: (decision: ContextDecision) => void;
}

const sumTokens = (messages: readonly ContextMessage[]) => messages.reduce((n, m) => n + m.tokens, 0);
const toChat = (m: ContextMessage): ChatMessage => ({ role: m.role === 'assistant' ? 'assistant' : 'user', content: typeof m.content === 'string' ? m.content : '' });

/** The ConversationManager's contextStrategy for one request. */
export function buildContextStrategy(input: StrategyInput): ContextStrategy {
  const { policy, stored, systemTokens } = input;
  return async (turns) => {
    if (turns.length !== stored.length + 1) throw new Error(`context: expected ${stored.length} stored turns and the pending one, got ${turns.length}`);
    const pending = turns[turns.length - 1];
    const history: ContextMessage[] = [...stored, { role: 'user', content: pending.content, tokens: input.pendingTokens }];
    const full = systemTokens + sumTokens(history) + REPLY_PRIMING_TOKENS;
    const decide = (d: ContextDecision, messages: readonly ContextMessage[]) => {
      input.onDecision?.(d);
      return messages.map(toChat);
    };
    if (policy.strategy === 'none' || full <= policy.maxTokens) return decide({ kind: 'full', droppedTurns: 0, inputTokens: full }, history);
    const limits = { budget: policy.maxTokens, systemTokens, reserveOutput: 0 };
    const offset = input.turnOffset ?? 0;
    if (policy.strategy === 'window') {
      const w = slidingWindow(history, { ...limits, maxTurns: policy.keepTurns });
      return decide({ kind: 'window', droppedTurns: offset + w.droppedTurns, inputTokens: w.inputTokens }, w.messages);
    }
    const { adapter, model, signal } = input.summariser;
    const summarise: Summariser = async (old, previous) => {
      const result = await adapter.complete({ model, maxTokens: 300, system: '', messages: [{ role: 'user', content: summaryPrompt(old, previous) }] }, { signal });
      return result.text;
    };
    // The book counts turns from the session's first; summariseOldTurns, from the first of `history`.
    const shift = (s: StoredSummary | null, by: number): StoredSummary | null => s && { ...s, coversFromTurn: s.coversFromTurn + by, coversToTurn: s.coversToTurn + by };
    const previous = shift(input.summaries.get(input.sessionId), -offset);
    const r = await summariseOldTurns(history, { ...limits, keepRecentTurns: policy.keepTurns, summarise, previous, encoding: input.encoding });
    input.summaries.set(input.sessionId, shift(r.summary, offset));
    const kept = r.messages.filter((m) => history.includes(m));
    const droppedTurns = offset + history.slice(0, history.length - kept.length).filter((m) => m.role === 'user').length;
    return decide({ kind: r.usedFallback ? 'fallback' : 'summary', droppedTurns, inputTokens: r.inputTokens }, r.messages);
  };
}

export interface ContextState {
  strategy: ContextStrategyName;
  max_tokens: number;
  keep_turns: number;
  /** What sending the whole stored history would cost now (estimate: system + messages + priming). */
  history_tokens: number;
  /** Whether the last turn was sent trimmed (the window or summary was in effect). */
  window_active: boolean;
  /** Input tokens the provider reported for the last turn; null if it was cut short. */
  tokens_sent_last_turn: number | null;
}

/**
 * The context state for /stats, computed from the stored history alone (so it
 * survives a restart and agrees between processes): the last turn's request
 * held the history up to its user message, which was trimmed iff it was over
 * the limit.
 */
export function contextState(policy: ContextPolicy, systemTokens: number, history: HistoryTally): ContextState {
  const lastRequest = history.throughLastUser === null ? 0 : systemTokens + history.throughLastUser + REPLY_PRIMING_TOKENS;
  return {
    strategy: policy.strategy,
    max_tokens: policy.maxTokens,
    keep_turns: policy.keepTurns,
    history_tokens: systemTokens + history.tokens + REPLY_PRIMING_TOKENS,
    window_active: policy.strategy !== 'none' && lastRequest > policy.maxTokens,
    tokens_sent_last_turn: history.lastUsageInput,
  };
}

/** Whether a message can be sent at all: system prompt + message + priming must fit the limit on their own. */
export function fitsAlone(policy: ContextPolicy, systemTokens: number, messageTokens: number): boolean {
  return policy.strategy === 'none' || systemTokens + messageTokens + REPLY_PRIMING_TOKENS <= policy.maxTokens;
}
