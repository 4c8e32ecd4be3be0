/**
 * The sessions behind the API: the store (persistence module) is the source
 * of truth; every message builds a ConversationManager (state module) from the
 * stored history (as much of it as the context policy can send), with the
 * context policy as its contextStrategy and the store's saveTurn as its
 * onTurn. One generation per session at a time, in this process (a second
 * one gets 409).
 */
import { REPLY_PRIMING_TOKENS, countSystemTokens, encoderFor, encodingForModel, type Encoding } from '../../../modules/context/reference/index.ts';
import type { SessionInfo, SessionStore, StoredMessage } from '../../../modules/persistence/reference/index.ts';
import { ConversationManager, InvalidHistoryError, type ChatAdapter } from '../../../modules/state/reference/index.ts';
import type { DisconnectPolicy } from './config.ts';
import { SummaryBook, buildContextStrategy, contextState, fitsAlone, type ContextPolicy, type ContextState } from './context.ts';
import { Generation } from './generation.ts';
import { readHistory, type HistoryRead } from './history-read.ts';
import { HistoryTallies } from './tallies.ts';
import { historyJson, toContextMessages, toTurnInputs, tokensOf, type HistoryJson } from './history.ts';
import { ApiError, checkSessionId, type ChatInput } from './http.ts';

export interface ChatServiceOptions {
  store: SessionStore;
  adapter: ChatAdapter;
  model: string;
  summaryModel: string;
  /** The reply's token limit. */
  maxTokens: number;
  context: ContextPolicy;
  onDisconnect: DisconnectPolicy;
  stallTimeoutMs: number;
  log: (line: string) => void;
  /** Called after each turn is stored (the SQLite checkpointer counts them). */
  onTurnSaved?: () => void;
}

export interface StatsJson {
  session_id: string;
  turn_count: number;
  total_tokens: { input: number; output: number };
  created_at: string;
  updated_at: string;
  age_seconds: number;
  generating: boolean;
  context: ContextState;
}

export interface Started {
  sessionId: string;
  generation: Generation;
}

export class ChatService {
  readonly #o: ChatServiceOptions;
  readonly #active = new Map<string, Generation>();
  readonly #summaries = new SummaryBook();
  /** Counts made now for rows stored without one, per row object: the history read counts them, the context strategy reuses them. */
  readonly #counted = new WeakMap<StoredMessage, number>();
  /** A stored message's tokens (its count stored at write time, else counted now), for the history read, the context strategy and the /stats tally. */
  readonly #tokensOf = (m: StoredMessage): number => {
    if (m.tokens !== null) return m.tokens;
    let n = this.#counted.get(m);
    if (n === undefined) this.#counted.set(m, (n = tokensOf(m.role, m.content, this.#encoding)));
    return n;
  };
  readonly #tallies = new HistoryTallies(this.#tokensOf);
  readonly #encoding: Encoding;
  #closing = false;

  constructor(options: ChatServiceOptions) {
    this.#o = options;
    this.#encoding = encodingForModel(options.model);
    encoderFor(this.#encoding); // built now, at start-up, not on the first message (it takes ~0.1-0.5 s)
  }

  get policy(): ContextPolicy {
    return this.#o.context;
  }

  /** Sessions with a reply in flight. */
  get activeCount(): number {
    return this.#active.size;
  }

  /** Check everything, reserve the session, and start the reply. Throws ApiError before anything is streamed. */
  async start(idParam: string, input: ChatInput, onEnd?: (outcome: string, sessionId: string) => void): Promise<Started> {
    if (this.#closing) throw new ApiError(503, 'shutting_down', 'The server is shutting down; try again in a moment.');
    const messageTokens = tokensOf('user', input.message, this.#encoding);
    let info: SessionInfo;
    let systemTokens: number;
    if (idParam === 'new') {
      const systemPrompt = input.systemPrompt ?? '';
      systemTokens = this.#checkFits(systemPrompt, messageTokens); // before the session exists: a refusal leaves nothing behind
      info = await this.#o.store.createSession({ systemPrompt });
    } else {
      info = await this.#session(checkSessionId(idParam));
      if (input.systemPrompt !== undefined) {
        throw new ApiError(409, 'system_prompt_not_allowed', 'A system_prompt is accepted on the first message of a session only (POST /chat/stream/new). Leave it out here.');
      }
      systemTokens = this.#checkFits(info.systemPrompt, messageTokens);
    }
    const id = info.id;
    if (this.#active.has(id)) throw new ApiError(409, 'session_busy', 'This session is already generating a reply. Wait for its done event, or POST /sessions/{id}/stop.');
    const started = performance.now();
    const generation: Generation = new Generation({
      sessionId: id,
      message: input.message,
      stallTimeoutMs: this.#o.stallTimeoutMs,
      abortOnDisconnect: this.#o.onDisconnect === 'abort',
      saveInterrupted: (partial) => this.#saveInterrupted(id, input.message, messageTokens, partial),
      release: () => {
        if (this.#active.get(id) === generation) this.#active.delete(id);
      },
      onEnd: (outcome) => onEnd?.(`${outcome} ${Math.round(performance.now() - started)}ms`, id),
    });
    this.#active.set(id, generation); // reserved, with no await since the check above
    try {
      const read = await readHistory(this.#o.store, info, {
        policy: this.#o.context,
        fixedTokens: systemTokens + messageTokens + REPLY_PRIMING_TOKENS,
        tokensOf: this.#tokensOf,
        summaryCoversToTurn: this.#summaries.get(id)?.coversToTurn ?? null,
      });
      generation.begin(this.#manager(info, systemTokens, read, messageTokens, generation));
    } catch (error) {
      this.#active.delete(id);
      if (error instanceof InvalidHistoryError) {
        this.#o.log(`session ${id}: stored history is not whole turns: ${error.message}`);
        throw new ApiError(500, 'internal_error', 'This session\'s stored history is damaged (not whole turns); it cannot be continued.');
      }
      throw error;
    }
    return { sessionId: id, generation };
  }

  /** The system prompt's tokens, after checking that it and the message fit on their own. */
  #checkFits(systemPrompt: string, messageTokens: number): number {
    const systemTokens = countSystemTokens(systemPrompt, { encoding: this.#encoding });
    if (!fitsAlone(this.#o.context, systemTokens, messageTokens)) {
      throw new ApiError(413, 'context_overflow', `The system prompt and this message alone (${systemTokens + messageTokens} tokens) exceed the context limit of ${this.#o.context.maxTokens} tokens. Send a shorter message.`);
    }
    return systemTokens;
  }

  #manager(info: SessionInfo, systemTokens: number, { stored, turnOffset }: HistoryRead, messageTokens: number, generation: Generation): ConversationManager {
    const { store, adapter, model, maxTokens } = this.#o;
    const encoding = this.#encoding;
    return ConversationManager.fromHistory(toTurnInputs(stored), {
      adapter,
      model,
      maxTokens,
      systemPrompt: info.systemPrompt,
      contextStrategy: buildContextStrategy({
        policy: this.#o.context,
        encoding,
        stored: toContextMessages(stored, this.#tokensOf),
        turnOffset,
        pendingTokens: messageTokens,
        systemTokens,
        sessionId: info.id,
        summaries: this.#summaries,
        summariser: { adapter, model: this.#o.summaryModel, signal: generation.signal },
      }),
      // The turn is stored here, inside chatStream, before the stream ends: the done event comes after.
      onTurn: async ({ user, assistant }) => {
        await store.saveTurn(info.id, [
          { role: 'user', content: user.content, tokens: messageTokens },
          {
            role: 'assistant',
            content: assistant.content,
            tokens: tokensOf('assistant', assistant.content, encoding),
            usage: assistant.usage ? { input: assistant.usage.inputTokens, output: assistant.usage.outputTokens } : null,
          },
        ]);
        this.#o.onTurnSaved?.();
      },
    });
  }

  async #saveInterrupted(id: string, message: string, messageTokens: number, partial: string): Promise<void> {
    await this.#o.store.saveTurn(id, [
      { role: 'user', content: message, tokens: messageTokens },
      { role: 'assistant', content: partial, tokens: tokensOf('assistant', partial, this.#encoding), status: 'interrupted' },
    ]);
    this.#o.onTurnSaved?.();
  }

  async #session(id: string): Promise<SessionInfo> {
    const info = await this.#o.store.getSession(id);
    if (!info) throw new ApiError(404, 'session_not_found', `No session "${id}". Start one with POST /chat/stream/new.`);
    return info;
  }

  async history(idParam: string): Promise<HistoryJson> {
    const info = await this.#session(checkSessionId(idParam));
    const messages = await this.#o.store.loadHistory(info.id);
    return historyJson(info, messages);
  }

  async stats(idParam: string): Promise<StatsJson> {
    const info = await this.#session(checkSessionId(idParam));
    const tally = await this.#tallies.of(this.#o.store, info);
    const systemTokens = countSystemTokens(info.systemPrompt, { encoding: this.#encoding });
    return {
      session_id: info.id,
      turn_count: info.turns,
      total_tokens: { input: info.tokensIn, output: info.tokensOut },
      created_at: info.createdAt,
      updated_at: info.updatedAt,
      age_seconds: Math.max(0, Math.round((Date.now() - Date.parse(info.createdAt)) / 100) / 10),
      generating: this.#active.has(info.id),
      context: contextState(this.#o.context, systemTokens, tally),
    };
  }

  /** Cut the session's reply short; resolves once the part already streamed is stored and the session is free. */
  async stop(idParam: string): Promise<{ session_id: string; stopped: boolean }> {
    const id = checkSessionId(idParam);
    const generation = this.#active.get(id);
    if (!generation) return { session_id: (await this.#session(id)).id, stopped: false };
    const stopped = generation.abort('stop');
    await generation.finished;
    return { session_id: id, stopped };
  }

  async remove(idParam: string): Promise<void> {
    const id = checkSessionId(idParam);
    const generation = this.#active.get(id);
    if (generation) {
      generation.abort('deleted');
      await generation.finished;
    }
    this.#summaries.delete(id);
    this.#tallies.delete(id);
    const existed = await this.#o.store.deleteSession(id);
    if (!existed) throw new ApiError(404, 'session_not_found', `No session "${id}".`);
  }

  /** Refuse new replies, give running ones `graceMs` to finish, then cut them (their partial replies are stored). */
  async shutdown(graceMs: number): Promise<void> {
    this.#closing = true;
    const running = () => Promise.all([...this.#active.values()].map((g) => g.finished));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([running(), timeout]);
    clearTimeout(timer);
    for (const generation of this.#active.values()) generation.abort('shutdown');
    await running();
  }
}
