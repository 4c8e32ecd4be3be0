import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, expect, it, describe } from 'vitest';
import { startProviderMock, activeReplays, inputTokens, type ProviderMock } from '../../fixtures/sim/index.ts';
import { parseAnthropicRequest, parseOpenAIRequest } from '../../fixtures/sim/request.ts';
import { encodingForModel, tokenPieces } from '../../fixtures/sim/tokens.ts';
import { loadTarget } from '../shared/target.ts';
import { exercise } from '../shared/suite.ts';
import type { ChecklistId } from '../../checklist/items.ts';
import type { ChatAdapter, ChatRequest, ChatResult, CompletedTurn, ContextStrategy, Turn } from './reference/index.ts';

/**
 * The state module's suite. It grades whichever target LAB_TARGET names
 * (reference by default) through the module's public interface only, against
 * the offline provider simulator at speed 0, for both providers.
 */
const impl = await loadTarget<typeof import('./reference/index.ts')>('state');

/** Names the checklist items a test evidences, in the test's title. */
const ev = (...ids: ChecklistId[]) => `[${ids.join(', ')}]`;

type Provider = 'anthropic' | 'openai';
const providers: ReadonlyArray<{ provider: Provider; model: string }> = [
  { provider: 'anthropic', model: 'claude-haiku-4-5' },
  { provider: 'openai', model: 'gpt-4o-mini' },
];

const INTRO = 'My name is Ajay and I work with DPDK';
const QUESTION = 'What is my name and what technology do I work with?';
const RECALLED = 'Your name is Ajay. You work with DPDK.';
const LONG = 'Explain server-sent events in detail';

let mock: ProviderMock;
beforeAll(() => {
  // Synthetic model only: the suite must not depend on which cassettes exist.
  mock = startProviderMock({ speed: 0, cassettes: false });
});
afterEach(() => mock.sim.reset());
afterAll(() => mock.close());

/** SDK clients are built inside tests, after the mock is listening (they capture fetch). */
function adapterFor(provider: Provider): ChatAdapter {
  return provider === 'anthropic' ? impl.anthropicAdapter(new Anthropic({ apiKey: 'sim' })) : impl.openaiAdapter(new OpenAI({ apiKey: 'sim' }));
}

/**
 * A minimal adapter written here, for the first exercise only, so that
 * exercise does not depend on the learner's adapters (the next exercise).
 */
function testAdapter(provider: Provider): ChatAdapter {
  const usage = { inputTokens: 0, outputTokens: 0 };
  const notUsed = (): never => {
    throw new Error('not used by this test');
  };
  if (provider === 'anthropic') {
    const client = new Anthropic({ apiKey: 'sim' });
    return {
      provider,
      async complete(req: ChatRequest): Promise<ChatResult> {
        const m = await client.messages.create({ model: req.model, max_tokens: req.maxTokens, messages: [...req.messages], ...(req.system ? { system: req.system } : {}) });
        const text = m.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
        return { text, usage, stopReason: 'end_turn', model: m.model, id: m.id };
      },
      stream: notUsed,
    };
  }
  const client = new OpenAI({ apiKey: 'sim' });
  return {
    provider,
    async complete(req: ChatRequest): Promise<ChatResult> {
      const system = req.system ? [{ role: 'system' as const, content: req.system }] : [];
      const c = await client.chat.completions.create({ model: req.model, max_completion_tokens: req.maxTokens, messages: [...system, ...req.messages] });
      return { text: c.choices[0]?.message.content ?? '', usage, stopReason: 'end_turn', model: c.model, id: c.id };
    },
    stream: notUsed,
  };
}

interface SentMessage {
  role: string;
  content: unknown;
}
interface SentBody {
  model: string;
  system?: unknown;
  messages: SentMessage[];
  stream?: boolean;
  max_tokens?: number;
  max_completion_tokens?: number;
  stream_options?: { include_usage?: boolean };
}

/** Bodies of the chat requests the simulator received, in order. */
function sent(): SentBody[] {
  return mock.sim.requests.filter((r) => r.source !== 'count_tokens').map((r) => r.body as SentBody);
}

/** The conversation messages of a body, without OpenAI's system message, as role/content pairs. */
function conversationOf(body: SentBody): Array<{ role: string; content: unknown }> {
  return body.messages.filter((m) => m.role !== 'system').map((m) => ({ role: m.role, content: m.content }));
}

/** The system prompt a body carried, for either provider ('' when none). */
function systemOf(body: SentBody): string {
  if (typeof body.system === 'string') return body.system;
  const m = body.messages.find((x) => x.role === 'system');
  return typeof m?.content === 'string' ? m.content : '';
}

/** The usage the simulator computed for a request it received and the reply it sent. */
function expectedUsage(provider: Provider, body: SentBody, reply: string) {
  const req = provider === 'anthropic' ? parseAnthropicRequest(body) : parseOpenAIRequest(body);
  return { inputTokens: inputTokens(req), outputTokens: tokenPieces(reply, encodingForModel(body.model)).length };
}

/** A clock that ticks one second per reading, so timestamps are checkable. */
function fakeClock(start = Date.UTC(2026, 0, 1)) {
  let t = start;
  return () => new Date((t += 1000));
}

async function drain<T, R>(gen: AsyncGenerator<T, R, undefined>): Promise<{ chunks: T[]; result: R }> {
  const chunks: T[] = [];
  for (;;) {
    const step = await gen.next();
    if (step.done) return { chunks, result: step.value };
    chunks.push(step.value);
  }
}

/**
 * The error a call fails with. A NotImplemented error is re-thrown, so a
 * starter fails these tests by naming its exercise, never by "throwing as expected".
 */
async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error && error.name === 'NotImplemented') throw error;
    expect(error).toBeInstanceOf(Error);
    return error as Error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

async function until(condition: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function snapshot(turns: readonly Turn[]): Turn[] {
  return turns.map((t) => ({ ...t }));
}

function manager(provider: Provider, model: string, extra: Partial<ConstructorParameters<typeof impl.ConversationManager>[0]> = {}) {
  return new impl.ConversationManager({ adapter: adapterFor(provider), model, maxTokens: 1024, now: fakeClock(), ...extra });
}

// ---------------------------------------------------------------------------
exercise('state-messages-array', () => {
  for (const { provider, model } of providers) {
    describe(provider, () => {
      it(`two independent calls forget: each question is sent alone ${ev('llms-stateless')}`, async () => {
        const replies = await impl.askStateless(testAdapter(provider), [INTRO, QUESTION], { model });
        expect(replies).toHaveLength(2);
        expect(replies[1]).toMatch(/I don't know your name/);
        expect(replies[1]).not.toMatch(/Ajay/);
        const bodies = sent();
        expect(bodies).toHaveLength(2);
        expect(conversationOf(bodies[0])).toEqual([{ role: 'user', content: INTRO }]);
        expect(conversationOf(bodies[1])).toEqual([{ role: 'user', content: QUESTION }]);
      });

      it(`sending the growing messages array every call remembers ${ev('llms-stateless', 'conversation-manager')}`, async () => {
        const inputs = [INTRO, 'I like short answers.', QUESTION];
        const replies = await impl.askWithHistory(testAdapter(provider), inputs, { model });
        expect(replies).toHaveLength(3);
        expect(replies[2]).toBe(RECALLED);
        const bodies = sent();
        expect(bodies).toHaveLength(3);
        // Call k carries every earlier message, in order, then the new input.
        bodies.forEach((body, k) => {
          const expected: Array<{ role: string; content: string }> = [];
          for (let i = 0; i < k; i++) expected.push({ role: 'user', content: inputs[i] }, { role: 'assistant', content: replies[i] });
          expected.push({ role: 'user', content: inputs[k] });
          expect(conversationOf(body)).toEqual(expected);
        });
      });

      it(`the system prompt goes with every call ${ev('llms-stateless')}`, async () => {
        await impl.askWithHistory(testAdapter(provider), ['hello', 'hello again'], { model, systemPrompt: 'Be brief.' });
        await impl.askStateless(testAdapter(provider), ['hi'], { model, systemPrompt: 'Be terse.' });
        expect(sent().map(systemOf)).toEqual(['Be brief.', 'Be brief.', 'Be terse.']);
      });
    });
  }
});

// ---------------------------------------------------------------------------
exercise('state-adapters', () => {
  for (const { provider, model } of providers) {
    describe(provider, () => {
      const request = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
        model,
        maxTokens: 200,
        system: 'Be brief.',
        messages: [{ role: 'user', content }],
        ...extra,
      });

      it(`complete() sends the provider's shape and returns text, usage and stop reason ${ev('stream-both-sdks', 'conversation-manager')}`, async () => {
        const messages = [
          { role: 'user' as const, content: INTRO },
          { role: 'assistant' as const, content: 'Nice to meet you.' },
          { role: 'user' as const, content: QUESTION },
        ];
        const adapter = adapterFor(provider);
        expect(adapter.provider).toBe(provider);
        const r = await adapter.complete(request('', { messages }));
        expect(r.text).toBe(RECALLED);
        expect(r.stopReason).toBe('end_turn');
        expect(r.model).toBe(model);
        expect(r.id).toMatch(provider === 'anthropic' ? /^msg_/ : /^chatcmpl-/);
        const [body] = sent();
        expect(body.stream ?? false).toBe(false);
        expect(conversationOf(body)).toEqual(messages);
        // Only role and content go over the wire.
        for (const m of body.messages) expect(Object.keys(m).sort()).toEqual(['content', 'role']);
        expect(systemOf(body)).toBe('Be brief.');
        if (provider === 'anthropic') {
          expect(body.system).toBe('Be brief.');
          expect(body.max_tokens).toBe(200);
        } else {
          expect(body.messages[0]).toEqual({ role: 'system', content: 'Be brief.' });
          expect(body.max_completion_tokens ?? body.max_tokens).toBe(200);
        }
        expect(r.usage).toEqual(expectedUsage(provider, body, r.text));
      });

      it(`an empty system prompt sends none ${ev('conversation-manager')}`, async () => {
        await adapterFor(provider).complete(request('hello', { system: '' }));
        const [body] = sent();
        expect(body.system ?? '').toBe('');
        expect(body.messages.filter((m) => m.role === 'system')).toEqual([]);
      });

      it(`stream() yields text as it arrives and returns the final message's result ${ev('stream-both-sdks', 'final-message')}`, async () => {
        const { chunks, result } = await drain(adapterFor(provider).stream(request(LONG, { maxTokens: 1024 })));
        expect(chunks.length).toBeGreaterThan(5);
        expect(chunks.join('')).toBe(result.text);
        expect(result.stopReason).toBe('end_turn');
        const [body] = sent();
        expect(body.stream).toBe(true);
        if (provider === 'openai') expect(body.stream_options?.include_usage).toBe(true);
        // Usage only exists on the assembled final message: it must be the simulator's exact figures.
        expect(result.usage).toEqual(expectedUsage(provider, body, result.text));
        expect(result.usage.outputTokens).toBeGreaterThan(50);
      });

      it(`a reply cut by the token limit says so, streamed or not ${ev('final-message')}`, async () => {
        const adapter = adapterFor(provider);
        const r = await adapter.complete(request(LONG, { maxTokens: 5 }));
        expect(r.stopReason).toBe('max_tokens');
        expect(r.usage.outputTokens).toBe(5);
        const { result } = await drain(adapter.stream(request(LONG, { maxTokens: 5 })));
        expect(result.stopReason).toBe('max_tokens');
        expect(result.usage.outputTokens).toBe(5);
      });

      it(`stream() throws on a mid-stream error after some text ${ev('final-message')}`, async () => {
        mock.sim.injectFault('mid_stream_error');
        const chunks: string[] = [];
        await failure(
          (async () => {
            for await (const t of adapterFor(provider).stream(request(LONG))) chunks.push(t);
          })(),
        );
        expect(chunks.length).toBeGreaterThan(0);
      });

      it(`closing the stream early (break / return()) aborts the upstream request ${ev('final-message')}`, async () => {
        mock.sim.injectFault('stall'); // without an abort this request would never end
        const gen = adapterFor(provider).stream(request(LONG));
        const first = await gen.next();
        expect(first.done).toBe(false);
        expect(activeReplays()).toBe(1);
        await gen.return(undefined as never);
        await until(() => activeReplays() === 0);
      });

      it(`an HTTP error rejects complete() and stream() ${ev('conversation-manager')}`, async () => {
        const adapter = adapterFor(provider);
        mock.sim.injectFault('rate_limit');
        await failure(adapter.complete(request('hello')));
        mock.sim.injectFault('server_error');
        await failure(drain(adapter.stream(request('hello'))));
        expect(sent()).toHaveLength(2); // the error fixtures say x-should-retry: false
      });
    });
  }
});

// ---------------------------------------------------------------------------
exercise('state-conversation-manager', () => {
  for (const { provider, model } of providers) {
    describe(provider, () => {
      it(`remembers across calls: the name survives to the next call ${ev('conversation-manager', 'llms-stateless')}`, async () => {
        const m = manager(provider, model);
        const first = await m.chat(INTRO);
        expect(first).toMatch(/Ajay/);
        expect(await m.chat(QUESTION)).toBe(RECALLED);
        expect(m.turnCount).toBe(2);
      });

      it(`sends the full history and the system prompt on every call ${ev('conversation-manager')}`, async () => {
        const m = manager(provider, model, { systemPrompt: 'You are a helpful coding assistant.' });
        const inputs = [INTRO, 'hello', 'I live in Pune', QUESTION];
        for (const input of inputs) await m.chat(input);
        const bodies = sent();
        expect(bodies).toHaveLength(inputs.length);
        bodies.forEach((body, k) => {
          // Call k sends the 2k stored messages before it, then its input.
          const stored = m.history.slice(0, 2 * k).map((t) => ({ role: t.role, content: t.content }));
          expect(conversationOf(body)).toEqual([...stored, { role: 'user', content: inputs[k] }]);
          for (const msg of body.messages) expect(Object.keys(msg).sort()).toEqual(['content', 'role']);
          expect(systemOf(body)).toBe('You are a helpful coding assistant.');
          expect(body.model).toBe(model);
        });
        expect(m.lastRequest?.messages).toHaveLength(7);
        expect(m.lastRequest?.system).toBe('You are a helpful coding assistant.');
      });

      it(`stores turns with role, content, timestamp, and usage per reply ${ev('conversation-manager')}`, async () => {
        const m = manager(provider, model);
        await m.chat(INTRO);
        await m.chat(QUESTION);
        const h = m.history;
        expect(h.map((t) => t.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
        expect(h.map((t) => t.content)).toEqual([INTRO, h[1].content, QUESTION, RECALLED]);
        // Timestamps are ISO strings from the injected clock, in order.
        for (const t of h) expect(t.timestamp).toMatch(/^2026-01-01T00:00:\d\d\.000Z$/);
        expect([...h.map((t) => t.timestamp)].sort()).toEqual(h.map((t) => t.timestamp));
        const bodies = sent();
        for (const k of [0, 1]) {
          const reply = h[2 * k + 1];
          expect(reply.usage).toEqual(expectedUsage(provider, bodies[k], reply.content));
          expect(reply.model).toBe(model);
          expect(reply.stopReason).toBe('end_turn');
          expect(h[2 * k].usage).toBeUndefined();
        }
        // The second call re-sends the first turn: it reads more tokens.
        expect(h[3].usage!.inputTokens).toBeGreaterThan(h[1].usage!.inputTokens);
        expect(m.totalUsage).toEqual({
          inputTokens: h[1].usage!.inputTokens + h[3].usage!.inputTokens,
          outputTokens: h[1].usage!.outputTokens + h[3].usage!.outputTokens,
        });
      });

      it(`history is a read-only view ${ev('conversation-manager')}`, async () => {
        const m = manager(provider, model);
        await m.chat('hello');
        const h = m.history;
        try {
          (h as Turn[]).push({ role: 'user', content: 'injected', timestamp: '' });
        } catch {
          /* frozen: fine */
        }
        try {
          (h[0] as { content: string }).content = 'rewritten';
        } catch {
          /* frozen: fine */
        }
        expect(m.history).toHaveLength(2);
        expect(m.history[0].content).toBe('hello');
        await m.chat('again');
        expect(h).toHaveLength(2); // an old view does not grow under the reader
        expect(m.history).toHaveLength(4);
      });

      it(`turnCount counts completed turns; clear() forgets everything ${ev('conversation-manager', 'llms-stateless')}`, async () => {
        const m = manager(provider, model, { systemPrompt: 'Be brief.' });
        expect(m.turnCount).toBe(0);
        await m.chat(INTRO);
        expect(m.turnCount).toBe(1);
        await m.chat('hello');
        expect(m.turnCount).toBe(2);
        m.clear();
        expect(m.turnCount).toBe(0);
        expect(m.history).toEqual([]);
        expect(m.totalUsage).toEqual({ inputTokens: 0, outputTokens: 0 });
        expect(await m.chat(QUESTION)).toMatch(/I don't know your name/);
        const last = sent().at(-1)!;
        expect(conversationOf(last)).toEqual([{ role: 'user', content: QUESTION }]);
        expect(systemOf(last)).toBe('Be brief.'); // clear() keeps the settings
      });

      it(`fromHistory() / load() restore a stored conversation ${ev('conversation-manager')}`, async () => {
        const a = manager(provider, model);
        await a.chat(INTRO);
        const stored = JSON.parse(JSON.stringify(a.history)) as Turn[]; // as a store would give it back
        const b = impl.ConversationManager.fromHistory(stored, { adapter: adapterFor(provider), model });
        expect(b.turnCount).toBe(1);
        expect(b.history.map((t) => ({ ...t }))).toEqual(stored);
        mock.sim.reset();
        expect(await b.chat(QUESTION)).toBe(RECALLED);
        expect(conversationOf(sent()[0])).toEqual([...stored.map((t) => ({ role: t.role, content: t.content })), { role: 'user', content: QUESTION }]);
        const c = manager(provider, model);
        c.load([
          { role: 'user', content: 'My name is Mira', timestamp: new Date(Date.UTC(2025, 5, 1)) },
          { role: 'assistant', content: 'Hello Mira.' },
        ]);
        expect(c.history[0].timestamp).toBe('2025-06-01T00:00:00.000Z');
        expect(typeof c.history[1].timestamp).toBe('string');
        expect(await c.chat('What is my name?')).toBe('Your name is Mira.');
      });

      it(`load() refuses a history the manager could not have written ${ev('conversation-manager')}`, () => {
        const m = manager(provider, model);
        const u = { role: 'user' as const, content: 'hi' };
        const a = { role: 'assistant' as const, content: 'hello' };
        for (const bad of [[a, u], [u, u, a, a], [u], [u, a, u], [u, { role: 'system', content: 'x' }], [u, { role: 'assistant', content: 42 }], [{ ...u, timestamp: 'yesterday' }, a]]) {
          expect(() => m.load(bad as never), JSON.stringify(bad)).toThrow(impl.InvalidHistoryError);
        }
        expect(m.turnCount).toBe(0);
        m.load([u, a]);
        expect(m.turnCount).toBe(1);
      });

      it(`a failed call leaves the history as it was ${ev('conversation-manager')}`, async () => {
        const m = manager(provider, model);
        await m.chat(INTRO);
        const before = snapshot(m.history);
        mock.sim.injectFault('rate_limit');
        await failure(m.chat('this one fails'));
        expect(snapshot(m.history)).toEqual(before);
        expect(m.turnCount).toBe(1);
        expect(m.busy).toBe(false);
        expect(await m.chat(QUESTION)).toBe(RECALLED);
        expect(conversationOf(sent().at(-1)!).map((x) => x.content)).not.toContain('this one fails');
      });

      it(`one call at a time: a concurrent call is refused ${ev('conversation-manager')}`, async () => {
        const m = manager(provider, model);
        const first = m.chat(INTRO);
        expect(m.busy).toBe(true);
        expect(await failure(m.chat('second'))).toBeInstanceOf(impl.ConversationBusyError);
        expect(() => m.clear()).toThrow(impl.ConversationBusyError);
        await first;
        expect(m.busy).toBe(false);
        expect(m.turnCount).toBe(1);
        expect(sent()).toHaveLength(1);
      });

      it(`an abort signal cancels a call and leaves the history alone ${ev('conversation-manager')}`, async () => {
        const m = manager(provider, model);
        await m.chat('hello');
        const before = snapshot(m.history);
        mock.sim.injectFault('stall');
        const controller = new AbortController();
        const call = m.chat('never answered', { signal: controller.signal });
        setTimeout(() => controller.abort(), 20);
        await failure(call);
        expect(snapshot(m.history)).toEqual(before);
        expect(m.busy).toBe(false);
        await until(() => activeReplays() === 0);
      });

      it(`onTurn observes each completed turn, after it is in the history ${ev('conversation-manager')}`, async () => {
        const seen: Array<{ turn: CompletedTurn; historyLength: number }> = [];
        const m = manager(provider, model, {
          onTurn: async (turn: CompletedTurn) => {
            await new Promise((r) => setTimeout(r, 5)); // a slow store: chat() must wait for it
            seen.push({ turn, historyLength: m.history.length });
          },
        });
        await m.chat(INTRO);
        expect(seen).toHaveLength(1);
        await m.chat(QUESTION);
        expect(seen.map((s) => s.turn.turnNumber)).toEqual([1, 2]);
        expect(seen.map((s) => s.historyLength)).toEqual([2, 4]);
        expect(seen[1].turn.user).toEqual(m.history[2]);
        expect(seen[1].turn.assistant).toEqual(m.history[3]);
        expect(seen[1].turn.assistant.content).toBe(RECALLED);
        mock.sim.injectFault('server_error');
        await failure(m.chat('fails'));
        expect(seen).toHaveLength(2); // no turn, no notification
      });

      it(`a failing onTurn (the store refused) takes the turn back out ${ev('conversation-manager')}`, async () => {
        let fail = false;
        const m = manager(provider, model, {
          onTurn: () => {
            if (fail) throw new Error('disk full');
          },
        });
        await m.chat(INTRO);
        const before = snapshot(m.history);
        fail = true;
        expect((await failure(m.chat('not saved'))).message).toBe('disk full');
        expect(snapshot(m.history)).toEqual(before);
        expect(m.busy).toBe(false);
      });

      it(`a context strategy decides what is sent, never what is stored ${ev('conversation-manager')}`, async () => {
        const calls: Array<{ turns: Turn[]; provider: string; systemPrompt: string }> = [];
        // Keep only the current input: the crudest "window".
        const lastOnly: ContextStrategy = (turns, request) => {
          calls.push({ turns: snapshot(turns), provider: request.provider, systemPrompt: request.systemPrompt });
          return [turns[turns.length - 1]];
        };
        const m = manager(provider, model, { systemPrompt: 'Be brief.', contextStrategy: lastOnly });
        await m.chat(INTRO);
        expect(await m.chat(QUESTION)).toMatch(/I don't know your name/);
        expect(conversationOf(sent()[1])).toEqual([{ role: 'user', content: QUESTION }]);
        expect(m.history).toHaveLength(4); // trimming is a view: the store keeps everything
        expect(calls[1].turns.map((t) => t.content)).toEqual([INTRO, m.history[1].content, QUESTION]);
        expect(calls[1].turns[2].role).toBe('user');
        expect(calls[1]).toMatchObject({ provider, systemPrompt: 'Be brief.' });
      });

      it(`a strategy may replace old turns with a summary in the system prompt ${ev('conversation-manager')}`, async () => {
        const summary: ContextStrategy = async (turns) => ({
          system: "Be brief. Earlier: The user's name is Ajay.",
          messages: turns.slice(-1),
        });
        const m = manager(provider, model, { systemPrompt: 'Be brief.', contextStrategy: summary });
        await m.chat('hello');
        expect(await m.chat('What is my name?')).toBe('Your name is Ajay.');
        expect(systemOf(sent()[1])).toBe("Be brief. Earlier: The user's name is Ajay.");
        expect(m.lastRequest?.system).toBe("Be brief. Earlier: The user's name is Ajay.");
      });

      it(`a strategy that drops the current input is refused before anything is sent ${ev('conversation-manager')}`, async () => {
        const m = manager(provider, model, { contextStrategy: (turns) => turns.slice(0, -1) });
        expect(await failure(m.chat('hello'))).toBeInstanceOf(impl.ContextStrategyError);
        const n = manager(provider, model, { contextStrategy: () => ({ messages: [] }) });
        expect(await failure(n.chat('hello'))).toBeInstanceOf(impl.ContextStrategyError);
        expect(sent()).toHaveLength(0);
        expect(m.turnCount + n.turnCount).toBe(0);
        expect(m.busy || n.busy).toBe(false);
      });
    });
  }
});

// ---------------------------------------------------------------------------
exercise('state-chat-stream', () => {
  for (const { provider, model } of providers) {
    describe(provider, () => {
      it(`chatStream() yields text as it arrives and remembers like chat() ${ev('conversation-manager', 'stream-both-sdks')}`, async () => {
        const m = manager(provider, model, { systemPrompt: 'Be brief.' });
        let text = '';
        for await (const chunk of m.chatStream(INTRO)) text += chunk;
        expect(text).toMatch(/Ajay/);
        const { chunks, result } = await drain(m.chatStream(QUESTION));
        expect(chunks.length).toBeGreaterThan(1);
        expect(chunks.join('')).toBe(RECALLED);
        expect(result).toBe(RECALLED);
        const bodies = sent();
        expect(bodies.every((b) => b.stream === true)).toBe(true);
        expect(conversationOf(bodies[1])).toEqual([
          { role: 'user', content: INTRO },
          { role: 'assistant', content: text },
          { role: 'user', content: QUESTION },
        ]);
        expect(systemOf(bodies[1])).toBe('Be brief.');
        expect(m.turnCount).toBe(2);
      });

      it(`appends the turn only when the stream completes, from the final message ${ev('final-message', 'conversation-manager')}`, async () => {
        const m = manager(provider, model);
        await m.chat('hello');
        const gen = m.chatStream(LONG);
        const first = await gen.next();
        expect(first.done).toBe(false);
        // Mid-stream: nothing appended yet, not even the user's message.
        expect(m.history).toHaveLength(2);
        expect(m.turnCount).toBe(1);
        expect(m.busy).toBe(true);
        const { chunks, result } = await drain(gen);
        const text = [first.value as string, ...chunks].join('');
        expect(result).toBe(text);
        expect(m.history).toHaveLength(4);
        expect(m.turnCount).toBe(2);
        const reply = m.history[3];
        expect(reply).toMatchObject({ role: 'assistant', content: text, model, stopReason: 'end_turn' });
        // Usage exists only on the assembled final message (OpenAI: only with include_usage).
        expect(reply.usage).toEqual(expectedUsage(provider, sent()[1], text));
        expect(m.busy).toBe(false);
      });

      for (const fault of ['mid_stream_error', 'drop'] as const) {
        it(`a ${fault} leaves the history exactly as before the call ${ev('final-message')}`, async () => {
          const m = manager(provider, model);
          await m.chat(INTRO);
          const before = snapshot(m.history);
          mock.sim.injectFault(fault);
          const chunks: string[] = [];
          await failure(
            (async () => {
              for await (const t of m.chatStream(LONG)) chunks.push(t);
            })(),
          );
          expect(chunks.length).toBeGreaterThan(0); // the learner saw a draft...
          expect(snapshot(m.history)).toEqual(before); // ...that never reached the history
          expect(m.turnCount).toBe(1);
          expect(m.busy).toBe(false);
          // The next call is consistent: no orphan user message, no half reply.
          expect(await m.chat(QUESTION)).toBe(RECALLED);
          expect(conversationOf(sent().at(-1)!).map((x) => x.content)).toEqual([INTRO, before[1].content, QUESTION]);
        });
      }

      it(`a fault requested in the message itself ([[fault:...]]) is handled the same way ${ev('conversation-manager')}`, async () => {
        const m = manager(provider, model);
        await failure(drain(m.chatStream(`${LONG} [[fault:mid_stream_error]]`)));
        expect(m.history).toEqual([]);
      });

      it(`an HTTP error before the first token yields nothing and appends nothing ${ev('conversation-manager')}`, async () => {
        const m = manager(provider, model);
        mock.sim.injectFault('overloaded');
        const gen = m.chatStream('hello');
        await failure(gen.next());
        expect(m.history).toEqual([]);
        expect(m.busy).toBe(false);
      });

      it(`break aborts the upstream request and leaves the history consistent ${ev('final-message', 'conversation-manager')}`, async () => {
        const turns: CompletedTurn[] = [];
        const m = manager(provider, model, { onTurn: (t: CompletedTurn) => void turns.push(t) });
        await m.chat(INTRO);
        const before = snapshot(m.history);
        mock.sim.injectFault('stall'); // the request would hang forever unless aborted
        let got = '';
        for await (const chunk of m.chatStream(LONG)) {
          got += chunk;
          break;
        }
        expect(got.length).toBeGreaterThan(0);
        await until(() => activeReplays() === 0);
        expect(snapshot(m.history)).toEqual(before);
        expect(m.busy).toBe(false);
        expect(turns).toHaveLength(1);
        expect(await m.chat(QUESTION)).toBe(RECALLED);
        expect(conversationOf(sent().at(-1)!)).toHaveLength(3);
      });

      it(`an abort signal stops the stream and appends nothing ${ev('final-message')}`, async () => {
        const m = manager(provider, model);
        mock.sim.injectFault('stall');
        const controller = new AbortController();
        const gen = m.chatStream(LONG, { signal: controller.signal });
        expect((await gen.next()).done).toBe(false);
        controller.abort();
        await failure(drain(gen));
        await until(() => activeReplays() === 0);
        expect(m.history).toEqual([]);
        expect(m.busy).toBe(false);
      });

      it(`onTurn runs once the stream is complete, never for a failed stream ${ev('conversation-manager')}`, async () => {
        const seen: Array<{ n: number; length: number }> = [];
        const m = manager(provider, model, { onTurn: (t: CompletedTurn) => void seen.push({ n: t.turnNumber, length: m.history.length }) });
        const gen = m.chatStream(INTRO);
        await gen.next();
        expect(seen).toEqual([]);
        await drain(gen);
        expect(seen).toEqual([{ n: 1, length: 2 }]);
        mock.sim.injectFault('mid_stream_error');
        await failure(drain(m.chatStream(LONG)));
        expect(seen).toHaveLength(1);
      });

      it(`streams one call at a time ${ev('conversation-manager')}`, async () => {
        const m = manager(provider, model);
        const gen = m.chatStream(LONG);
        await gen.next();
        expect(await failure(m.chat('meanwhile'))).toBeInstanceOf(impl.ConversationBusyError);
        expect(await failure(drain(m.chatStream('meanwhile')))).toBeInstanceOf(impl.ConversationBusyError);
        await drain(gen);
        expect(m.turnCount).toBe(1);
      });
    });
  }
});

// ---------------------------------------------------------------------------
exercise('state-system-prompt', () => {
  it(`builds role, what to remember, references and per-task rules, in that order ${ev('conversation-manager')}`, () => {
    const prompt = impl.buildSystemPrompt({
      role: 'You are a database tutor.',
      remember: ['the schema the user shares', 'the SQL dialect they use'],
      ambiguity: 'ask',
      tasks: { 'Query review': 'point to the clause you mean.', Debugging: 'ask for the error text first.' },
    });
    expect(prompt.startsWith('You are a database tutor.')).toBe(true);
    const at = (s: string) => {
      const i = prompt.indexOf(s);
      expect(i, `"${s}" in:\n${prompt}`).toBeGreaterThan(-1);
      return i;
    };
    const order = [at('the schema the user shares'), at('the SQL dialect they use'), at('Query review'), at('point to the clause you mean.'), at('Debugging'), at('ask for the error text first.')];
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // An ambiguous reference: resolve from earlier turns, and ask when they do not settle it.
    expect(prompt).toMatch(/earlier turns/i);
    expect(prompt).toMatch(/\bask\b/i);
    expect(impl.buildSystemPrompt({ role: 'You are a database tutor.' })).toBe(impl.buildSystemPrompt({ role: 'You are a database tutor.' }));
  });

  it(`remembers sensible defaults, and the ambiguity policy changes the prompt ${ev('conversation-manager')}`, () => {
    const plain = impl.buildSystemPrompt({ role: 'You help.' });
    for (const item of impl.DEFAULT_REMEMBER) expect(plain).toContain(item);
    const assume = impl.buildSystemPrompt({ role: 'You help.', ambiguity: 'assume-most-recent' });
    expect(assume).not.toBe(plain);
    expect(assume).toMatch(/most recent/i);
    const bare = impl.buildSystemPrompt({ role: 'You help.', remember: [], tasks: {} });
    for (const item of impl.DEFAULT_REMEMBER) expect(bare).not.toContain(item);
    expect(() => impl.buildSystemPrompt({ role: '  ' })).toThrow(TypeError);
  });

  it(`the worked example covers code review and debugging ${ev('conversation-manager')}`, () => {
    const prompt = impl.buildSystemPrompt(impl.CODING_ASSISTANT);
    expect(prompt).toMatch(/Code review/);
    expect(prompt).toMatch(/Debugging/);
    expect(prompt).toMatch(/error message/);
  });

  for (const { provider, model } of providers) {
    it(`${provider}: facts known up front travel in the system prompt of every call ${ev('conversation-manager', 'llms-stateless')}`, async () => {
      const systemPrompt = impl.buildSystemPrompt({ ...impl.CODING_ASSISTANT, knownFacts: ["The user's name is Ajay.", 'The user works with DPDK.'] });
      const m = manager(provider, model, { systemPrompt });
      // Known from the very first call: the system prompt is part of what the model reads.
      expect(await m.chat(QUESTION)).toBe(RECALLED);
      await m.chat('hello');
      expect(sent().map(systemOf)).toEqual([systemPrompt, systemPrompt]);
    });
  }
});
