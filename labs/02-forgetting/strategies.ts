import {
  REPLY_PRIMING_TOKENS,
  countSystemTokens,
  encodingForModel,
  slidingWindow,
  summariseOldTurns,
  summaryPrompt,
  withTokenCount,
  type ContextMessage,
  type Encoding,
  type StoredSummary,
  type Summariser,
} from '../../modules/context/reference/index.ts';
import type { ChatAdapter, ChatMessage, ContextRequest, ContextStrategy, Turn, Usage } from '../../modules/state/reference/index.ts';

/**
 * The bridge between the two modules: the state module's ConversationManager
 * asks a ContextStrategy what to send; the context module knows how to pick
 * it (a sliding window, or a summary plus recent turns). Each strategy here
 * also records what it decided on every call, which is what the lab prints.
 *
 * Token counts are stamped once per stored turn (a WeakMap keyed by the frozen
 * Turn objects the manager keeps), so each call only tokenizes the turns that
 * are new since the previous call.
 */

export interface ContextDecision {
  kind: 'full' | 'window' | 'summary' | 'fallback';
  /** Turns in the history, the current one included. */
  turns: number;
  /** Leading turns not sent word for word (dropped by the window, or folded into the summary). */
  droppedTurns: number;
  /** Local estimate (a tiktoken encoding, cookbook overhead) of the input tokens of what is sent. */
  estimatedInputTokens: number;
  /** The same estimate had the whole history been sent. */
  fullHistoryTokens: number;
  /** The summary sent in front of the recent turns, if any. */
  summary: { text: string; coversFromTurn: number; coversToTurn: number } | null;
  /** Calls made to the cheap model to write or extend the summary during this call. */
  summariserCalls: Array<{ model: string; usage: Usage }>;
  /** Why the summary strategy fell back to the window. */
  error?: string;
}

export interface StrategyOptions {
  /** Token budget of the whole request: system prompt + messages + reply priming + reserved output. */
  budget: number;
  /** Tokens kept free for the reply: the manager's maxTokens. */
  reserveOutput: number;
  /** The conversation's model (picks the tokenizer). */
  model: string;
}

export interface RecordingStrategy {
  strategy: ContextStrategy;
  /** One entry per call, in order. */
  decisions: ContextDecision[];
}

/** Stamp each turn with its token count once, when first seen. */
function stamper(encoding: Encoding): (turn: Turn) => ContextMessage {
  const cache = new WeakMap<Turn, ContextMessage>();
  return (turn) => {
    let message = cache.get(turn);
    if (!message) {
      message = withTokenCount({ role: turn.role, content: turn.content }, { encoding });
      cache.set(turn, message);
    }
    return message;
  };
}

function toChat(message: ContextMessage): ChatMessage {
  if (message.role === 'tool' || typeof message.content !== 'string') throw new Error('This lab only sends plain text messages.');
  return { role: message.role, content: message.content };
}

interface Prepared {
  history: ContextMessage[];
  systemTokens: number;
  fullHistoryTokens: number;
  encoding: Encoding;
}

function prepare(turns: readonly Turn[], request: ContextRequest, stamp: (t: Turn) => ContextMessage, encoding: Encoding): Prepared {
  const history = turns.map(stamp);
  const systemTokens = countSystemTokens(request.systemPrompt, { encoding });
  const fullHistoryTokens = systemTokens + history.reduce((n, m) => n + m.tokens, 0) + REPLY_PRIMING_TOKENS;
  return { history, systemTokens, fullHistoryTokens, encoding };
}

/** Send everything, and record what that costs (the baseline: --strategy none). */
export function fullHistory(options: StrategyOptions): RecordingStrategy {
  const encoding = encodingForModel(options.model);
  const stamp = stamper(encoding);
  const decisions: ContextDecision[] = [];
  const strategy: ContextStrategy = (turns, request) => {
    const p = prepare(turns, request, stamp, encoding);
    decisions.push({ kind: 'full', turns: Math.ceil(turns.length / 2), droppedTurns: 0, estimatedInputTokens: p.fullHistoryTokens, fullHistoryTokens: p.fullHistoryTokens, summary: null, summariserCalls: [] });
    return turns;
  };
  return { strategy, decisions };
}

/** The longest suffix of whole turns that fits the budget (context module: slidingWindow). */
export function windowStrategy(options: StrategyOptions): RecordingStrategy {
  const encoding = encodingForModel(options.model);
  const stamp = stamper(encoding);
  const decisions: ContextDecision[] = [];
  const strategy: ContextStrategy = (turns, request) => {
    const p = prepare(turns, request, stamp, encoding);
    const w = slidingWindow(p.history, { budget: options.budget, systemTokens: p.systemTokens, reserveOutput: options.reserveOutput });
    decisions.push({
      kind: w.droppedTurns > 0 ? 'window' : 'full',
      turns: Math.ceil(turns.length / 2),
      droppedTurns: w.droppedTurns,
      estimatedInputTokens: w.inputTokens,
      fullHistoryTokens: p.fullHistoryTokens,
      summary: null,
      summariserCalls: [],
    });
    return w.messages.map(toChat);
  };
  return { strategy, decisions };
}

export interface SummaryStrategyOptions extends StrategyOptions {
  /** Who writes the summaries: a cheap model behind an adapter. */
  summariser: { adapter: ChatAdapter; model: string; maxTokens?: number };
  /** Turns kept word for word at most (the current one included). Default: as many as fit. */
  keepRecentTurns?: number;
}

/**
 * Old turns replaced by a running summary written by a cheap model (context
 * module: summariseOldTurns). The summary is kept between calls and extended
 * with only the newly dropped turns; if the summariser fails, the plain window
 * is sent for that call.
 */
export function summaryStrategy(options: SummaryStrategyOptions): RecordingStrategy {
  const encoding = encodingForModel(options.model);
  const stamp = stamper(encoding);
  const decisions: ContextDecision[] = [];
  let stored: StoredSummary | null = null;
  const strategy: ContextStrategy = async (turns, request) => {
    const p = prepare(turns, request, stamp, encoding);
    const calls: ContextDecision['summariserCalls'] = [];
    const summarise: Summariser = async (toSummarise, previous) => {
      const { adapter, model, maxTokens = 200 } = options.summariser;
      const result = await adapter.complete({ model, maxTokens, system: '', messages: [{ role: 'user', content: summaryPrompt(toSummarise, previous) }] });
      calls.push({ model, usage: result.usage });
      return result.text;
    };
    const r = await summariseOldTurns(p.history, {
      budget: options.budget,
      systemTokens: p.systemTokens,
      reserveOutput: options.reserveOutput,
      keepRecentTurns: options.keepRecentTurns ?? Number.POSITIVE_INFINITY,
      summarise,
      previous: stored,
      encoding,
    });
    stored = r.summary;
    // The verbatim part is a suffix of the history: count what was left out in front of it.
    const kept = r.messages.filter((m) => p.history.includes(m)).length;
    const droppedTurns = (p.history.length - kept) / 2;
    const summarySent = !r.usedFallback && r.summary !== null && droppedTurns > 0;
    decisions.push({
      kind: r.usedFallback ? 'fallback' : summarySent ? 'summary' : 'full',
      turns: Math.ceil(turns.length / 2),
      droppedTurns,
      estimatedInputTokens: r.inputTokens,
      fullHistoryTokens: p.fullHistoryTokens,
      summary: summarySent && r.summary ? { text: r.summary.text, coversFromTurn: r.summary.coversFromTurn, coversToTurn: r.summary.coversToTurn } : null,
      summariserCalls: calls,
      ...(r.usedFallback ? { error: r.error instanceof Error ? r.error.message : String(r.error) } : {}),
    });
    return r.messages.map(toChat);
  };
  return { strategy, decisions };
}
