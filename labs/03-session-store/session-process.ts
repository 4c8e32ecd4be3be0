/**
 * One process of Lab 3. The lab starts it twice, each time as a new Node
 * process, so nothing can survive between the two except what is in the store:
 *
 *   chat    create a session, talk for 10 turns (the manager's onTurn saves
 *           each completed turn with saveTurn), close everything, exit.
 *   resume  load the session's history with loadHistory, restore a
 *           ConversationManager from it, ask turn 11 (saved like the others);
 *           then the contrast: a fresh manager that skips the load is asked
 *           the same question (and saves nothing).
 *
 * It prints one JSON event per line on stdout (see protocol.ts); the lab
 * turns those into the progress you read. To run it by hand:
 *
 *   node --import tsx labs/03-session-store/session-process.ts resume \
 *     --store sqlite --db data/lab3/sessions.db --session <id>
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startProviderMock } from '../../fixtures/sim/index.ts';
import { withTokenCount } from '../../modules/context/reference/index.ts';
import { SessionNotFoundError, StoreError, TieredStore, type StoredMessage } from '../../modules/persistence/reference/index.ts';
import {
  ConversationManager,
  anthropicAdapter,
  openaiAdapter,
  type ChatAdapter,
  type CompletedTurn,
  type TurnInput,
} from '../../modules/state/reference/index.ts';
import { DEFAULTS, FIRST_TURNS, MODELS, QUESTION, SYSTEM_PROMPT } from './options.ts';
import { parseChildArgs, type ChildConfig, type SessionEvent, type StoredRef } from './protocol.ts';
import { openLabStore, type LabStore } from './store.ts';

function emit(event: SessionEvent): void {
  // A write to a pipe is synchronous on Linux and macOS: the line is out before the next step starts.
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

/** A stored message as the ConversationManager takes it back (TurnInput). */
function toTurnInput(m: StoredMessage): TurnInput {
  return {
    role: m.role,
    content: m.content,
    timestamp: m.createdAt,
    ...(m.usage ? { usage: { inputTokens: m.usage.input, outputTokens: m.usage.output } } : {}),
  };
}

function makeAdapter(config: ChildConfig): ChatAdapter {
  // Built after the mock is listening: the SDKs capture fetch when constructed.
  return config.provider === 'anthropic' ? anthropicAdapter(new Anthropic({ apiKey: 'sim' })) : openaiAdapter(new OpenAI({ apiKey: 'sim' }));
}

/**
 * The manager's onTurn: save the completed turn, both messages in one
 * transaction, with a client id so a retry would not store it twice. Each
 * message's token count is computed once, here, as it is written.
 */
function saver(store: LabStore, sessionId: string, model: string, saved: Map<number, StoredRef[]>) {
  return async ({ user, assistant, turnNumber }: CompletedTurn): Promise<void> => {
    const usage = assistant.usage ? { input: assistant.usage.inputTokens, output: assistant.usage.outputTokens } : null;
    const stored = await store.saveTurn(
      sessionId,
      [
        { role: 'user', content: user.content, tokens: withTokenCount({ role: 'user', content: user.content }, { model }).tokens },
        { role: 'assistant', content: assistant.content, tokens: withTokenCount({ role: 'assistant', content: assistant.content }, { model }).tokens, usage },
      ],
      { clientId: `turn-${turnNumber}` },
    );
    saved.set(turnNumber, stored.map((m) => ({ seq: m.seq, role: m.role, tokens: m.tokens })));
  };
}

async function ask(manager: ConversationManager, input: string, saved: Map<number, StoredRef[]>): Promise<SessionEvent> {
  const started = performance.now();
  const reply = await manager.chat(input);
  const ms = performance.now() - started;
  const last = manager.history[manager.history.length - 1];
  return {
    event: 'turn',
    turn: manager.turnCount,
    input,
    reply,
    messagesSent: manager.lastRequest?.messages.length ?? 0,
    usage: { input: last.usage?.inputTokens ?? 0, output: last.usage?.outputTokens ?? 0 },
    stored: saved.get(manager.turnCount) ?? [],
    ms,
  };
}

async function chatPhase(config: ChildConfig, store: LabStore, adapter: ChatAdapter): Promise<void> {
  const model = MODELS[config.provider];
  // The system prompt is stored with the session: the second process reads it back from there.
  const info = await store.createSession({ systemPrompt: SYSTEM_PROMPT });
  emit({ event: 'session', id: info.id, created: true, systemPrompt: info.systemPrompt });
  const saved = new Map<number, StoredRef[]>();
  const manager = new ConversationManager({ adapter, model, systemPrompt: info.systemPrompt, maxTokens: DEFAULTS.maxTokens, onTurn: saver(store, info.id, model, saved) });
  for (const input of FIRST_TURNS) emit(await ask(manager, input, saved));
}

async function resumePhase(config: ChildConfig, store: LabStore, adapter: ChatAdapter, sessionId: string): Promise<void> {
  const model = MODELS[config.provider];
  // Tiered: ask the cache directly first, to report whether Redis still had it (reading through the
  // tiered store would warm the cache and hide the answer).
  let source: 'store' | 'cache' | 'archive' = 'store';
  if (store instanceof TieredStore) source = (await store.cache.getSession(sessionId)) ? 'cache' : 'archive';

  const started = performance.now();
  const info = await store.getSession(sessionId);
  if (!info) throw new SessionNotFoundError(sessionId);
  const history = await store.loadHistory(sessionId);
  const ms = performance.now() - started;
  emit({ event: 'session', id: info.id, created: false, systemPrompt: info.systemPrompt });
  emit({
    event: 'loaded',
    messages: history.length,
    turns: history.filter((m) => m.role === 'user').length,
    firstSeq: history[0]?.seq ?? null,
    lastSeq: history.at(-1)?.seq ?? null,
    ms,
    source,
  });

  // Restore: the manager validates the history (alternating roles, whole turns) and continues from it.
  const saved = new Map<number, StoredRef[]>();
  const manager = ConversationManager.fromHistory(history.map(toTurnInput), {
    adapter,
    model,
    systemPrompt: info.systemPrompt,
    maxTokens: DEFAULTS.maxTokens,
    onTurn: saver(store, info.id, model, saved),
  });
  emit({ event: 'restored', turnCount: manager.turnCount });
  emit(await ask(manager, QUESTION, saved));

  // The contrast: the same new process, the same system prompt, but the history is not loaded.
  // No onTurn either: this conversation is not saved.
  const fresh = new ConversationManager({ adapter, model, systemPrompt: info.systemPrompt, maxTokens: DEFAULTS.maxTokens });
  const reply = await fresh.chat(QUESTION);
  emit({ event: 'contrast', input: QUESTION, reply, messagesSent: fresh.lastRequest?.messages.length ?? 0 });
}

async function main(): Promise<void> {
  const config = parseChildArgs(process.argv.slice(2));
  emit({ event: 'start', phase: config.phase, pid: process.pid, ppid: process.ppid });
  const mock = startProviderMock({ speed: config.speed, cassettes: false });
  let store: LabStore | null = null;
  try {
    const adapter = makeAdapter(config);
    const opening = performance.now();
    store = await openLabStore(config.store);
    emit({ event: 'opened', ms: performance.now() - opening });
    if (config.phase === 'chat') await chatPhase(config, store, adapter);
    else await resumePhase(config, store, adapter, config.session ?? '');
    emit({ event: 'done' });
  } finally {
    // Close everything: the process must end with nothing held in memory or in flight.
    await store?.close();
    mock.close();
  }
}

main().catch((e: unknown) => {
  const error = e instanceof Error ? e : new Error(String(e));
  emit({ event: 'error', name: error.name, code: e instanceof StoreError ? e.code : null, message: error.message });
  process.exitCode = 1;
});
