/**
 * The context module's one suite. It grades whichever target LAB_TARGET names
 * (the reference, the learner's exercises or a submission) through the public
 * interface only. Tests are grouped by exercise id (see module.ts).
 */
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { loadTarget } from '../shared/target.ts';
import { exercise, rejection } from '../shared/suite.ts';
import type { ContentBlock, ContextMessage, StoredSummary, Summariser, UnstampedMessage } from './reference/index.ts';
import type { ProviderMock } from '../../fixtures/sim/index.ts';

const impl = await loadTarget<typeof import('./reference/index.ts')>('context');

// ---------------------------------------------------------------------------
// Helpers

/**
 * The error a call throws. A NotImplemented error is re-thrown as is, so an
 * unfinished exercise fails with the message that names its hint rather than
 * with a confusing "expected ... to be an instance of ...".
 */
function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    if (error instanceof Error && error.name === 'NotImplemented') throw error;
    return error;
  }
  throw new Error('Expected the call to throw, but it returned normally.');
}

/** A stored message with a hand-picked count: window tests need no tokenizer. */
function m(role: ContextMessage['role'], content: string | ContentBlock[], tokens: number, extra: Partial<ContextMessage> = {}): ContextMessage {
  return { role, content, tokens, ...extra };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value as object)) deepFreeze(inner);
  }
  return value;
}

const sum = (messages: readonly ContextMessage[]) => messages.reduce((n, x) => n + x.tokens, 0);

/** Ids of tool calls and of tool results in a list of messages, in both providers' shapes. */
function toolIds(messages: readonly ContextMessage[]): { calls: string[]; results: string[] } {
  const calls: string[] = [];
  const results: string[] = [];
  for (const message of messages) {
    if (Array.isArray(message.content)) {
      for (const block of message.content) {
        if (block.type === 'tool_use') calls.push(block.id);
        if (block.type === 'tool_result') results.push(block.tool_use_id);
      }
    }
    for (const call of message.tool_calls ?? []) calls.push(call.id);
    if (message.role === 'tool' && message.tool_call_id !== undefined) results.push(message.tool_call_id);
  }
  return { calls: calls.sort(), results: results.sort() };
}

function expectToolPairsIntact(messages: readonly ContextMessage[]): void {
  const { calls, results } = toolIds(messages);
  expect(results).toEqual(calls);
}

/** The cookbook's example conversation ("How to count tokens with tiktoken"). */
const cookbookExample = [
  { role: 'system', content: 'You are a helpful, pattern-following assistant that translates corporate jargon into plain English.' },
  { role: 'system', name: 'example_user', content: 'New synergies will help drive top-line growth.' },
  { role: 'system', name: 'example_assistant', content: 'Things working well together will increase revenue.' },
  { role: 'system', name: 'example_user', content: "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage." },
  { role: 'system', name: 'example_assistant', content: "Let's talk later when we're less busy about how to do better." },
  { role: 'user', content: "This late pivot means we don't have time to boil the ocean for the client deliverable." },
] as const;

// ---------------------------------------------------------------------------
// Generated histories (for the window and summary properties)

interface TurnSpec {
  style: 'anthropic' | 'openai';
  /** Tool calls per round of tool use (0 to 2 rounds, 1 to 3 calls each). */
  rounds: number[];
  /** Whether the turn ends with an assistant reply (always true but for the last turn). */
  reply: boolean;
  /** Whether the last turn stops right after the user input. */
  bare: boolean;
  sizes: number[];
}

interface History {
  messages: ContextMessage[];
  /** Index of each turn's first message. */
  turnStarts: number[];
}

/** A well-formed history: every tool call answered in the same turn, ids unique. */
function buildHistory(specs: TurnSpec[], preamble: boolean): History {
  const messages: ContextMessage[] = [];
  const turnStarts: number[] = [];
  let size = 0;
  const next = (spec: TurnSpec) => spec.sizes[size++ % spec.sizes.length];
  if (preamble) messages.push(m('assistant', 'Hello! How can I help?', 9));
  specs.forEach((spec, t) => {
    const last = t === specs.length - 1;
    turnStarts.push(messages.length);
    messages.push(m('user', `question ${t}`, next(spec)));
    if (last && spec.bare) return;
    spec.rounds.forEach((calls, r) => {
      const ids = Array.from({ length: calls }, (_, k) => `call_${t}_${r}_${k}`);
      if (spec.style === 'anthropic') {
        messages.push(m('assistant', [{ type: 'text', text: 'Let me look.' }, ...ids.map((id): ContentBlock => ({ type: 'tool_use', id, name: 'lookup', input: { q: id } }))], next(spec)));
        messages.push(m('user', ids.map((id): ContentBlock => ({ type: 'tool_result', tool_use_id: id, content: `result ${id}` })), next(spec)));
      } else {
        messages.push(m('assistant', '', next(spec), { tool_calls: ids.map((id) => ({ id, type: 'function' as const, function: { name: 'lookup', arguments: JSON.stringify({ q: id }) } })) }));
        for (const id of ids) messages.push(m('tool', `result ${id}`, next(spec), { tool_call_id: id }));
      }
    });
    if (!last || spec.reply) messages.push(m('assistant', `answer ${t}`, next(spec)));
  });
  return { messages, turnStarts };
}

/** Histories of 1 to 14 turns whose messages hold 1 to maxTokens tokens each. */
function historyOf(maxTokens: number): fc.Arbitrary<History> {
  const spec: fc.Arbitrary<TurnSpec> = fc.record({
    style: fc.constantFrom('anthropic' as const, 'openai' as const),
    rounds: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
    reply: fc.boolean(),
    bare: fc.boolean(),
    sizes: fc.array(fc.integer({ min: 1, max: maxTokens }), { minLength: 1, maxLength: 12 }),
  });
  return fc.tuple(fc.array(spec, { minLength: 1, maxLength: 14 }), fc.boolean()).map(([specs, preamble]) => buildHistory(specs, preamble));
}

const historyArb = historyOf(400);

/** Token total of each turn of a generated history. */
function turnTokens(h: History): number[] {
  return h.turnStarts.map((start, i) => sum(h.messages.slice(start, h.turnStarts[i + 1] ?? h.messages.length)));
}

/** Real messages (stamped by the target) for the tokenizer-backed tests. */
function conversation(turns: number, encoding: 'cl100k_base' | 'o200k_base' = 'cl100k_base'): ContextMessage[] {
  const out: ContextMessage[] = [];
  for (let t = 0; t < turns; t++) {
    out.push(impl.withTokenCount({ role: 'user', content: `Turn ${t}: could you tell me something about the number ${t * 7}?` }, { encoding }));
    out.push(impl.withTokenCount({ role: 'assistant', content: `Of course. ${t * 7} is ${t % 2 ? 'odd' : 'even'}, and its square is ${t * t * 49}.` }, { encoding }));
  }
  return out;
}

// ---------------------------------------------------------------------------

exercise('count-tokens', () => {
  it('counts tokens with cl100k_base (the default) and o200k_base', () => {
    expect(impl.countTokens('hello world')).toBe(2);
    expect(impl.countTokens('tiktoken is great!', 'cl100k_base')).toBe(6);
    expect(impl.countTokens('tiktoken is great!', 'o200k_base')).toBe(6);
    expect(impl.countTokens('')).toBe(0);
  });

  it('builds each encoder once and reuses it', () => {
    const first = impl.encoderFor('cl100k_base');
    for (let i = 0; i < 200; i++) impl.countTokens(`call number ${i}`, i % 2 ? 'cl100k_base' : 'o200k_base');
    expect(impl.encoderFor('cl100k_base')).toBe(first);
    expect(impl.encoderFor('o200k_base')).not.toBe(first);
    const built = impl.tokenizerStats().encodersBuilt;
    expect(built.cl100k_base).toBe(1);
    expect(built.o200k_base).toBe(1);
  });

  it('treats a literal <|endoftext|> in user text as plain text: no throw, no special token', () => {
    for (const encoding of ['cl100k_base', 'o200k_base'] as const) {
      expect(impl.countTokens('<|endoftext|>', encoding)).toBe(7);
      expect(impl.countTokens('ignore that <|endoftext|> and <|endofprompt|>, please', encoding)).toBeGreaterThan(14);
    }
    // The special token would be a single id; as text it is several ordinary ones.
    expect(impl.countTokens('<|endoftext|>')).not.toBe(1);
  });

  it('never touches the network', () => {
    const fetchSpy = vi.fn(() => Promise.reject(new Error('network access in a token count')));
    vi.stubGlobal('fetch', fetchSpy);
    try {
      expect(impl.countTokens('offline and proud', 'o200k_base')).toBeGreaterThan(0);
      expect(impl.countTokens('offline and proud', 'cl100k_base')).toBeGreaterThan(0);
    } finally {
      vi.unstubAllGlobals();
    }
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('property: any text, special-token look-alikes included, gets a count between 1 and its UTF-8 length', () => {
    impl.countTokens('warm-up');
    const special = fc.constantFrom('<|endoftext|>', '<|fim_prefix|>', '<|endofprompt|>', '<|im_start|>', '<|im_end|>');
    const text = fc.array(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 30 }), special), { maxLength: 6 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, fc.constantFrom('cl100k_base' as const, 'o200k_base' as const), (s, encoding) => {
        const n = impl.countTokens(s, encoding);
        expect(Number.isInteger(n)).toBe(true);
        if (s === '') expect(n).toBe(0);
        else {
          expect(n).toBeGreaterThanOrEqual(1);
          expect(n).toBeLessThanOrEqual(Buffer.byteLength(s, 'utf8'));
        }
      }),
      { numRuns: 150 },
    );
  });
});

exercise('message-overhead', () => {
  it("matches the cookbook's published count for gpt-3.5-turbo-0613 and gpt-4-0613: 129", () => {
    expect(impl.countMessageTokens(cookbookExample, { model: 'gpt-3.5-turbo-0613' })).toBe(129);
    expect(impl.countMessageTokens(cookbookExample, { model: 'gpt-4-0613' })).toBe(129);
    expect(impl.countMessageTokens(cookbookExample, { encoding: 'cl100k_base' })).toBe(129);
    expect(impl.countMessageTokens(cookbookExample)).toBe(129);
  });

  it("matches the cookbook's count for gpt-4o and gpt-4o-mini (o200k_base): 124", () => {
    expect(impl.countMessageTokens(cookbookExample, { model: 'gpt-4o' })).toBe(124);
    expect(impl.countMessageTokens(cookbookExample, { model: 'gpt-4o-mini' })).toBe(124);
    expect(impl.countMessageTokens(cookbookExample, { encoding: 'o200k_base' })).toBe(124);
  });

  it('uses the old overhead for gpt-3.5-turbo-0301 (4 per message, -1 per name): 127', () => {
    expect(impl.countMessageTokens(cookbookExample, { model: 'gpt-3.5-turbo-0301' })).toBe(127);
  });

  it('adds 3 per message, the tokens of role and content, name + 1, and 3 for the reply priming', () => {
    expect(impl.countMessageTokens([])).toBe(3);
    // 3 (message) + 1 ("user") + 1 ("hello") + 3 (priming)
    expect(impl.countMessageTokens([{ role: 'user', content: 'hello' }])).toBe(8);
    // + 1 ("bob") + 1 (tokens_per_name)
    expect(impl.countMessageTokens([{ role: 'user', content: 'hello', name: 'bob' }])).toBe(10);
    expect(impl.countMessageTokens([{ role: 'user', content: 'hello' }, { role: 'assistant', content: 'hello' }])).toBe(8 + 3 + 1 + 1);
  });

  it('counts a literal <|endoftext|> in a message as text', () => {
    expect(impl.countMessageTokens([{ role: 'user', content: '<|endoftext|>' }])).toBe(3 + 1 + 7 + 3);
  });

  it('counts tool calls in both shapes (more than the bare framing)', () => {
    const anthropicStyle = impl.countMessageTokens([
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Mumbai' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '31°C and humid' }] },
    ]);
    const openaiStyle = impl.countMessageTokens([
      { role: 'assistant', content: '', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Mumbai"}' } }] },
      { role: 'tool', content: '31°C and humid', tool_call_id: 'call_1' },
    ]);
    const framing = impl.countMessageTokens([{ role: 'assistant', content: '' }, { role: 'user', content: '' }]);
    expect(anthropicStyle).toBeGreaterThan(framing + 8);
    expect(openaiStyle).toBeGreaterThan(framing + 8);
  });

  it('withTokenCount stamps each message so that the stored counts + 3 equal the cookbook total', () => {
    const raw: UnstampedMessage[] = [
      { role: 'user', content: 'My name is Ajay and I work with DPDK.' },
      { role: 'assistant', content: 'Nice to meet you, Ajay!', name: 'helper' },
      { role: 'user', content: 'What is a ring buffer?' },
    ];
    const stamped = raw.map((x) => impl.withTokenCount(x));
    expect(sum(stamped) + 3).toBe(impl.countMessageTokens(raw));
    expect(stamped[0]).toMatchObject(raw[0]);
    expect(raw[0]).not.toHaveProperty('tokens');
    const restamped = impl.withTokenCount({ ...stamped[2], tokens: 999 });
    expect(restamped.tokens).toBe(stamped[2].tokens);
    expect(impl.withTokenCount(raw[0], { encoding: 'o200k_base' }).tokens + 3).toBe(impl.countMessageTokens([raw[0]], { model: 'gpt-4o' }));
  });

  it('countSystemTokens is the cost of the system message, and 0 when there is none', () => {
    const system = 'You are a terse assistant.';
    expect(impl.countSystemTokens(system)).toBe(impl.countMessageTokens([{ role: 'system', content: system }]) - 3);
    expect(impl.countSystemTokens('')).toBe(0);
  });

  it('property: stamped counts always add up to countMessageTokens', () => {
    impl.countMessageTokens([]);
    const message = fc.record({
      role: fc.constantFrom('user' as const, 'assistant' as const),
      content: fc.string({ unit: 'grapheme', maxLength: 40 }),
      name: fc.option(fc.constantFrom('ajay', 'example_user', 'x'), { nil: undefined }),
    }).map(({ name, ...rest }): UnstampedMessage => (name === undefined ? rest : { ...rest, name }));
    fc.assert(
      fc.property(fc.array(message, { maxLength: 8 }), fc.constantFrom('cl100k_base' as const, 'o200k_base' as const), (messages, encoding) => {
        const stamped = messages.map((x) => impl.withTokenCount(x, { encoding }));
        expect(sum(stamped) + 3).toBe(impl.countMessageTokens(messages, { encoding }));
      }),
      { numRuns: 100 },
    );
  });
});

exercise('will-fit', () => {
  const system = 'You are a helpful assistant. Answer in one paragraph.';
  const messages = [
    { role: 'user' as const, content: 'Summarise the plot of Hamlet.' },
    { role: 'assistant' as const, content: 'A prince avenges his father, and almost everyone dies.' },
    { role: 'user' as const, content: 'And Macbeth?' },
  ];

  it('fits exactly when system + messages + reserved output equal the context size, and not one token less', () => {
    const used = impl.countSystemTokens(system) + impl.countMessageTokens(messages);
    expect(impl.willFit({ system, messages, contextSize: used + 100, reserveOutput: 100 })).toBe(true);
    expect(impl.willFit({ system, messages, contextSize: used + 99, reserveOutput: 100 })).toBe(false);
  });

  it('reserves room for the reply', () => {
    const used = impl.countSystemTokens(system) + impl.countMessageTokens(messages);
    expect(impl.willFit({ system, messages, contextSize: used + 10, reserveOutput: 0 })).toBe(true);
    expect(impl.willFit({ system, messages, contextSize: used + 10, reserveOutput: 4096 })).toBe(false);
  });

  it('counts the system prompt', () => {
    const withoutSystem = impl.countMessageTokens(messages);
    expect(impl.willFit({ system: '', messages, contextSize: withoutSystem, reserveOutput: 0 })).toBe(true);
    expect(impl.willFit({ system, messages, contextSize: withoutSystem, reserveOutput: 0 })).toBe(false);
  });

  it('counts with the encoding or model asked for', () => {
    const text = 'नमस्ते, आप कैसे हैं? मुझे टोकन गिनना सिखाइए।';
    const viaO200k = impl.countMessageTokens([{ role: 'user', content: text }], { encoding: 'o200k_base' });
    const viaCl100k = impl.countMessageTokens([{ role: 'user', content: text }], { encoding: 'cl100k_base' });
    expect(viaO200k).toBeLessThan(viaCl100k);
    const input = [{ role: 'user' as const, content: text }];
    expect(impl.willFit({ system: '', messages: input, contextSize: viaO200k, reserveOutput: 0, model: 'gpt-4o' })).toBe(true);
    expect(impl.willFit({ system: '', messages: input, contextSize: viaO200k, reserveOutput: 0, encoding: 'cl100k_base' })).toBe(false);
  });
});

exercise('exact-count', () => {
  let mock: ProviderMock | null = null;
  let client: Anthropic;

  beforeAll(async () => {
    const { startProviderMock } = await import('../../fixtures/sim/index.ts');
    mock = startProviderMock({ speed: 0 });
    client = new Anthropic({ apiKey: 'sim', maxRetries: 0 });
  });
  afterAll(() => mock?.close());

  const system = 'You are a weather assistant.';
  const history: ContextMessage[] = [
    m('user', 'My name is Ajay. What is the weather in Mumbai?', 20),
    m('assistant', [{ type: 'text', text: 'Let me check.' }, { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Mumbai' } }], 25),
    m('user', [{ type: 'tool_result', tool_use_id: 'toolu_01', content: '31°C and humid' }], 12),
    m('assistant', 'It is 31°C and humid in Mumbai.', 14),
    m('user', 'And tomorrow?', 6),
  ];

  it('returns the input tokens the provider counts, the same figure a real call is billed for', async () => {
    const exact = await impl.countTokensExact({ client, model: 'claude-sonnet-4-6', system, messages: history });
    const billed = await client.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 64,
      system,
      messages: impl.toAnthropicMessages(history),
    });
    expect(exact).toBeGreaterThan(0);
    expect(exact).toBe(billed.usage.input_tokens);
  });

  it('calls POST /v1/messages/count_tokens with the system prompt, and never sends the stored counts', async () => {
    const before = mock!.sim.requests.length;
    await impl.countTokensExact({ client, model: 'claude-sonnet-4-6', system, messages: history });
    const sent = mock!.sim.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0].path).toMatch(/\/v1\/messages\/count_tokens$/);
    const body = sent[0].body as { system?: unknown; messages: Array<Record<string, unknown>> };
    expect(body.system).toBe(system);
    expect(body.messages).toHaveLength(history.length);
    for (const message of body.messages) expect(message).not.toHaveProperty('tokens');
  });

  it('grows with the conversation and counts the system prompt', async () => {
    const short = await impl.countTokensExact({ client, model: 'claude-sonnet-4-6', messages: history.slice(0, 1) });
    const long = await impl.countTokensExact({ client, model: 'claude-sonnet-4-6', messages: history });
    const withSystem = await impl.countTokensExact({ client, model: 'claude-sonnet-4-6', system, messages: history });
    expect(long).toBeGreaterThan(short);
    expect(withSystem).toBeGreaterThan(long);
  });
});

exercise('group-turns', () => {
  const history: ContextMessage[] = [
    m('assistant', 'Welcome back!', 5), // before any user input: no turn
    m('user', 'Weather in Pune?', 8),
    m('assistant', [{ type: 'tool_use', id: 't1', name: 'weather', input: { city: 'Pune' } }], 20),
    m('user', [{ type: 'tool_result', tool_use_id: 't1', content: '28°C' }], 9),
    m('assistant', 'It is 28°C.', 7),
    m('user', 'And in Delhi, with the OpenAI shape?', 11),
    m('assistant', '', 18, { tool_calls: [{ id: 'c1', type: 'function', function: { name: 'weather', arguments: '{"city":"Delhi"}' } }] }),
    m('tool', '35°C', 6, { tool_call_id: 'c1' }),
    m('assistant', 'It is 35°C.', 7),
    m('user', 'Thanks!', 4),
  ];

  it('starts a turn at each user input, never at a tool result', () => {
    expect(impl.splitTurns(history)).toEqual([
      { index: 0, start: 1, end: 5, tokens: 8 + 20 + 9 + 7 },
      { index: 1, start: 5, end: 9, tokens: 11 + 18 + 6 + 7 },
      { index: 2, start: 9, end: 10, tokens: 4 },
    ]);
  });

  it('tells user inputs from tool results', () => {
    expect(impl.isTurnStart(history[1])).toBe(true);
    expect(impl.isTurnStart(m('user', [{ type: 'text', text: 'hi' }], 3))).toBe(true);
    expect(impl.isTurnStart(history[3])).toBe(false);
    expect(impl.isTurnStart(history[7])).toBe(false);
    expect(impl.isTurnStart(history[4])).toBe(false);
  });

  it('uses stored counts only, and names a message that has none', () => {
    expect(impl.splitTurns([])).toEqual([]);
    const unstamped = [m('user', 'hi', 3), { role: 'assistant', content: 'hello' } as unknown as ContextMessage];
    const error = caught(() => impl.splitTurns(unstamped));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/history\[1\]/);
  });

  it('property: turns cover the history after the preamble and each holds its tool pairs', () => {
    impl.splitTurns([]);
    fc.assert(
      fc.property(historyArb, (h) => {
        const turns = impl.splitTurns(h.messages);
        expect(turns.map((t) => t.start)).toEqual(h.turnStarts);
        expect(turns.map((t) => t.tokens)).toEqual(turnTokens(h));
        turns.forEach((t, i) => {
          expect(t.index).toBe(i);
          expect(t.end).toBe(turns[i + 1]?.start ?? h.messages.length);
          expectToolPairsIntact(h.messages.slice(t.start, t.end));
        });
      }),
      { numRuns: 100 },
    );
  });
});

exercise('sliding-window', () => {
  // Three turns of 10, 20 and 5 tokens (the last is the current input).
  const history: ContextMessage[] = deepFreeze([
    m('user', 'a', 4),
    m('assistant', 'b', 6),
    m('user', 'c', 8),
    m('assistant', [{ type: 'tool_use', id: 't1', name: 'f', input: {} }], 5),
    m('user', [{ type: 'tool_result', tool_use_id: 't1', content: 'r' }], 3),
    m('assistant', 'd', 4),
    m('user', 'e', 5),
  ]);
  const base = { systemTokens: 10, reserveOutput: 100 };
  // Room for messages = budget - 10 (system) - 100 (reserve) - 3 (reply priming).

  it('keeps the longest suffix of whole turns that fits, and reports what it dropped', () => {
    const r = impl.slidingWindow(history, { ...base, budget: 113 + 25 });
    expect(r.messages).toEqual(history.slice(2));
    expect(r.messages[0]).toBe(history[2]);
    expect(r).toMatchObject({ dropped: 2, droppedTurns: 1, tokens: 25 });
    expect(impl.slidingWindow(history, { ...base, budget: 113 + 35 }).messages).toEqual(history);
    expect(impl.slidingWindow(history, { ...base, budget: 113 + 34 }).messages).toEqual(history.slice(2));
  });

  it('drops a whole turn, tool call and result together, rather than part of it', () => {
    // 24 tokens of room: the 20-token tool turn fits only in part, so none of it is kept.
    const r = impl.slidingWindow(history, { ...base, budget: 113 + 24 });
    expect(r.messages).toEqual([history[6]]);
    expect(r).toMatchObject({ dropped: 6, droppedTurns: 2, tokens: 5 });
    expectToolPairsIntact(r.messages);
  });

  it('counts the system prompt against the budget', () => {
    const small = impl.slidingWindow(history, { budget: 148, systemTokens: 10, reserveOutput: 100 });
    const large = impl.slidingWindow(history, { budget: 148, systemTokens: 20, reserveOutput: 100 });
    expect(small.messages).toHaveLength(7);
    expect(large.messages).toHaveLength(5);
    expect(large.inputTokens).toBe(20 + 25 + 3);
  });

  it('throws ContextOverflowError with the numbers when system + current turn + reserve cannot fit', () => {
    const error = caught(() => impl.slidingWindow(history, { ...base, budget: 117 }));
    expect(error).toBeInstanceOf(impl.ContextOverflowError);
    const overflow = error as InstanceType<typeof impl.ContextOverflowError>;
    expect(overflow.needed).toBe(10 + 5 + 3 + 100);
    expect(overflow.available).toBe(117);
    expect(impl.slidingWindow(history, { ...base, budget: 118 }).messages).toEqual([history[6]]);
  });

  it('is a suffix: it stops at the first turn that does not fit, even if older ones would', () => {
    const h = deepFreeze([m('user', 'old', 2), m('assistant', 'small', 2), m('user', 'huge', 500), m('assistant', 'x', 500), m('user', 'now', 5)]);
    const r = impl.slidingWindow(h, { budget: 50, systemTokens: 0, reserveOutput: 0 });
    expect(r.messages).toEqual([h[4]]);
    expect(r.droppedTurns).toBe(2);
  });

  it('keeps at most maxTurns turns ("over 50,000 tokens, keep the last 10 turns")', () => {
    const h: ContextMessage[] = [];
    for (let t = 0; t < 20; t++) h.push(m('user', `q${t}`, 1500), m('assistant', `a${t}`, 1500));
    const r = impl.slidingWindow(h, { budget: 200_000, systemTokens: 50, reserveOutput: 4096, maxTurns: 10 });
    expect(r.messages).toEqual(h.slice(20));
    expect(r).toMatchObject({ dropped: 20, droppedTurns: 10, tokens: 30_000 });
    expect(impl.slidingWindow(h, { budget: 200_000, systemTokens: 50, reserveOutput: 4096 }).messages).toHaveLength(40);
  });

  it('ends with the current turn, even mid tool use', () => {
    const h = deepFreeze([
      m('user', 'earlier', 3),
      m('assistant', 'reply', 3),
      m('user', 'look it up', 4),
      m('assistant', '', 9, { tool_calls: [{ id: 'c9', type: 'function', function: { name: 'search', arguments: '{}' } }] }),
      m('tool', 'found it', 5, { tool_call_id: 'c9' }),
    ]);
    const r = impl.slidingWindow(h, { budget: 21, systemTokens: 0, reserveOutput: 0 });
    expect(r.messages).toEqual(h.slice(2));
    expect(r.messages[0].role).toBe('user');
    expectToolPairsIntact(r.messages);
  });

  it('trims a 10,000-message history without calling the tokenizer, and leaves the history intact', () => {
    const h = deepFreeze(conversation(5000));
    const snapshot = JSON.stringify(h);
    impl.resetTokenizerStats();
    const r = impl.slidingWindow(h, { budget: 8000, systemTokens: 40, reserveOutput: 1024, maxTurns: 1000 });
    expect(impl.tokenizerStats().encodeCalls).toBe(0);
    expect(r.messages.length).toBeGreaterThan(2);
    expect(r.messages.length).toBeLessThan(h.length);
    expect(r.dropped + r.messages.length).toBe(10_000);
    expect(JSON.stringify(h)).toBe(snapshot);
  });

  it('agrees with willFit: the window fits the budget and one more turn would not', () => {
    const system = 'You are a patient maths tutor.';
    const h = conversation(30);
    const budget = 600;
    const reserveOutput = 200;
    const r = impl.slidingWindow(h, { budget, systemTokens: impl.countSystemTokens(system), reserveOutput });
    expect(r.droppedTurns).toBeGreaterThan(0);
    expect(impl.willFit({ system, messages: r.messages, contextSize: budget, reserveOutput })).toBe(true);
    const oneMore = h.slice(h.length - r.messages.length - 2);
    expect(impl.willFit({ system, messages: oneMore, contextSize: budget, reserveOutput })).toBe(false);
  });

  it('property: random histories and budgets keep every window invariant', () => {
    impl.slidingWindow([], { budget: 10, systemTokens: 0, reserveOutput: 0 });
    fc.assert(
      fc.property(
        historyArb,
        fc.integer({ min: 0, max: 4000 }),
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 0, max: 500 }),
        fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
        (h, budget, systemTokens, reserveOutput, maxTurns) => {
          const history = deepFreeze(h.messages);
          const options = { budget, systemTokens, reserveOutput, ...(maxTurns === undefined ? {} : { maxTurns }) };
          const perTurn = turnTokens(h);
          const room = budget - systemTokens - reserveOutput - 3;
          const current = perTurn[perTurn.length - 1];
          if (current > room) {
            const error = caught(() => impl.slidingWindow(history, options));
            expect(error).toBeInstanceOf(impl.ContextOverflowError);
            expect(error).toMatchObject({ needed: systemTokens + current + 3 + reserveOutput, available: budget });
            return;
          }
          const r = impl.slidingWindow(history, options);
          // A suffix of the stored history, ending with the current message...
          const start = history.length - r.messages.length;
          r.messages.forEach((x, i) => expect(x).toBe(history[start + i]));
          // ...starting on a user input (whole turns only).
          const first = h.turnStarts.indexOf(start);
          expect(first).toBeGreaterThanOrEqual(0);
          expect(r.messages[0].role).toBe('user');
          expectToolPairsIntact(r.messages);
          // Counted from the stored counts, within the budget, system and reserve included.
          expect(r.tokens).toBe(sum(r.messages));
          expect(r.tokens).toBeLessThanOrEqual(room);
          expect(r.dropped).toBe(start);
          expect(r.droppedTurns).toBe(first);
          const kept = perTurn.length - first;
          if (maxTurns !== undefined) expect(kept).toBeLessThanOrEqual(maxTurns);
          // The longest such suffix: the turn before it would not fit (or maxTurns is reached).
          if (first > 0 && (maxTurns === undefined || kept < maxTurns)) expect(r.tokens + perTurn[first - 1]).toBeGreaterThan(room);
        },
      ),
      { numRuns: 300 },
    );
  });
});

exercise('summarise-old-turns', () => {
  /** A fake summariser that records what it was given. */
  function recorder(reply: (turns: ContextMessage[], previous: string | null) => string = (turns, previous) => `${previous ?? 'S'}+${turns.length}`) {
    const calls: Array<{ turns: ContextMessage[]; previous: string | null }> = [];
    const summarise: Summariser = async (turns, previous) => {
      calls.push({ turns, previous });
      return reply(turns, previous);
    };
    return { calls, summarise };
  }

  const big = { budget: 100_000, systemTokens: 30, reserveOutput: 1000 };

  it('leaves a short conversation alone', async () => {
    const h = conversation(3);
    const { calls, summarise } = recorder();
    const r = await impl.summariseOldTurns(h, { ...big, summarise, keepRecentTurns: 4 });
    expect(r.messages).toEqual(h);
    expect(r).toMatchObject({ summary: null, usedFallback: false });
    expect(calls).toHaveLength(0);
  });

  it('summarises the old turns with the summariser and sends the summary, an acknowledgement and the recent turns', async () => {
    const h = deepFreeze(conversation(10));
    const { calls, summarise } = recorder(() => "The user's name is Ajay.");
    const r = await impl.summariseOldTurns(h, { ...big, summarise, keepRecentTurns: 4 });
    expect(calls).toHaveLength(1);
    expect(calls[0].previous).toBeNull();
    expect(calls[0].turns).toEqual(h.slice(0, 12));
    expect(r.usedFallback).toBe(false);
    expect(r.summary).toMatchObject({ text: "The user's name is Ajay.", coversFromTurn: 0, coversToTurn: 5 });
    expect(r.messages).toHaveLength(2 + 8);
    expect(r.messages[0]).toMatchObject({ role: 'user', content: `${impl.SUMMARY_PREFIX}The user's name is Ajay.` });
    expect(r.messages[1]).toMatchObject({ role: 'assistant', content: impl.SUMMARY_ACK });
    expect(r.messages.slice(2)).toEqual(h.slice(12));
    // The summary is counted like any message, and its cost is stored with it.
    const [summaryMessage, ack] = r.messages;
    expect(summaryMessage.tokens).toBe(impl.withTokenCount({ role: 'user', content: summaryMessage.content }).tokens);
    expect(ack.tokens).toBe(impl.withTokenCount({ role: 'assistant', content: impl.SUMMARY_ACK }).tokens);
    expect(r.summary!.tokens).toBe(summaryMessage.tokens + ack.tokens);
    expect(r.tokens).toBe(sum(r.messages));
    expect(impl.summaryMessages(r.summary!)).toEqual([summaryMessage, ack]);
  });

  it('extends the previous summary with only the turns dropped since', async () => {
    const h = conversation(12);
    const first = recorder(() => 'first summary');
    const r1 = await impl.summariseOldTurns(h.slice(0, 20), { ...big, summarise: first.summarise, keepRecentTurns: 4 });
    expect(r1.summary).toMatchObject({ coversFromTurn: 0, coversToTurn: 5 });

    const second = recorder(() => 'second summary');
    const r2 = await impl.summariseOldTurns(h, { ...big, summarise: second.summarise, previous: r1.summary, keepRecentTurns: 4 });
    expect(second.calls).toHaveLength(1);
    expect(second.calls[0].previous).toBe('first summary');
    expect(second.calls[0].turns).toEqual(h.slice(12, 16));
    expect(r2.summary).toMatchObject({ text: 'second summary', coversFromTurn: 0, coversToTurn: 7 });
    expect(r2.messages.slice(2)).toEqual(h.slice(16));
  });

  it('reuses a stored summary that already covers the old turns: no summariser call, no tokenizer call', async () => {
    const h = conversation(10);
    const { summarise } = recorder(() => 'covered');
    const r1 = await impl.summariseOldTurns(h, { ...big, summarise, keepRecentTurns: 4 });
    const again = recorder();
    impl.resetTokenizerStats();
    const r2 = await impl.summariseOldTurns(h, { ...big, summarise: again.summarise, previous: r1.summary, keepRecentTurns: 4 });
    expect(impl.tokenizerStats().encodeCalls).toBe(0);
    expect(again.calls).toHaveLength(0);
    expect(r2.summary).toEqual(r1.summary);
    expect(r2.messages).toEqual(r1.messages);
  });

  it('falls back to the sliding window when the summariser fails, and keeps the previous summary', async () => {
    const h = conversation(12);
    const ok = recorder(() => 'kept');
    const r1 = await impl.summariseOldTurns(h.slice(0, 20), { ...big, summarise: ok.summarise, keepRecentTurns: 4 });
    const failing: Summariser = async () => {
      throw new Error('summariser overloaded');
    };
    const options = { budget: 400, systemTokens: 30, reserveOutput: 100 };
    const r2 = await impl.summariseOldTurns(h, { ...options, summarise: failing, previous: r1.summary, keepRecentTurns: 4 });
    expect(r2.usedFallback).toBe(true);
    expect(r2.messages).toEqual(impl.slidingWindow(h, options).messages);
    expect(r2.summary).toEqual(r1.summary);
    expect((r2.error as Error).message).toBe('summariser overloaded');
  });

  it('treats an empty summary as a failure', async () => {
    const h = conversation(8);
    const r = await impl.summariseOldTurns(h, { ...big, summarise: async () => '   ', keepRecentTurns: 2 });
    expect(r.usedFallback).toBe(true);
    expect(r.summary).toBeNull();
    expect(r.messages).toEqual(h);
  });

  it('folds recent turns into the summary when summary + recent turns would not fit', async () => {
    // Ten turns of 20 tokens each; room for the summary and three turns, though four were asked for.
    const h: ContextMessage[] = [];
    for (let t = 0; t < 10; t++) h.push(m('user', `q${t}`, 10), m('assistant', `a${t}`, 10));
    const cost = (text: string) => impl.summaryMessages({ text, coversFromTurn: 0, coversToTurn: 0, tokens: impl.withTokenCount({ role: 'user', content: impl.SUMMARY_PREFIX + text }).tokens + impl.withTokenCount({ role: 'assistant', content: impl.SUMMARY_ACK }).tokens }).reduce((n, x) => n + x.tokens, 0);
    const room = Math.max(cost('S1'), cost('S1 S2')) + 60;
    expect(room).toBeLessThan(cost('S1') + 80);
    const { calls, summarise } = recorder((_, previous) => (previous === null ? 'S1' : `${previous} S2`));
    const r = await impl.summariseOldTurns(h, { budget: room + 30 + 1000 + 3, systemTokens: 30, reserveOutput: 1000, summarise, keepRecentTurns: 4 });
    expect(r.usedFallback).toBe(false);
    expect(calls).toEqual([
      { turns: h.slice(0, 12), previous: null },
      { turns: h.slice(12, 14), previous: 'S1' },
    ]);
    expect(r.summary).toMatchObject({ text: 'S1 S2', coversFromTurn: 0, coversToTurn: 6, tokens: cost('S1 S2') });
    expect(r.messages.slice(2)).toEqual(h.slice(14));
    expect(r.tokens).toBeLessThanOrEqual(room);
  });

  it('throws ContextOverflowError when even the current turn cannot fit', async () => {
    const h = conversation(6);
    const { summarise } = recorder();
    const error = await rejection(impl.summariseOldTurns(h, { budget: 50, systemTokens: 30, reserveOutput: 100, summarise, keepRecentTurns: 2 }));
    expect(error).toBeInstanceOf(impl.ContextOverflowError);
  });

  it('property: summaries are contiguous, incremental and within budget; a failing summariser falls back', async () => {
    await impl.summariseOldTurns([], { ...big, summarise: async () => 'x', keepRecentTurns: 1 });
    await fc.assert(
      fc.asyncProperty(
        historyOf(60),
        fc.integer({ min: 600, max: 3000 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        async (h, budget, keepRecentTurns, failures) => {
          const options = { budget, systemTokens: 20, reserveOutput: 200 };
          const room = budget - 20 - 200 - 3;
          const perTurn = turnTokens(h);
          let previous: StoredSummary | null = null;
          let latest: string | null = null;
          const summarised: ContextMessage[] = [];
          let call = 0;
          const summarise: Summariser = async (turns, prev) => {
            // Always extends the latest summary written, never rebuilds from scratch.
            expect(prev).toBe(latest);
            if (failures[call++ % failures.length]) throw new Error('down');
            summarised.push(...turns);
            latest = `${prev ?? ''}[${turns.length}]`.slice(-60);
            return latest;
          };
          // Grow the conversation one turn at a time, as a chat app would.
          for (let t = 0; t < h.turnStarts.length; t++) {
            const end = h.turnStarts[t + 1] ?? h.messages.length;
            const history = deepFreeze(h.messages.slice(0, end));
            if (perTurn[t] > room) {
              expect(await rejection(impl.summariseOldTurns(history, { ...options, summarise, previous, keepRecentTurns }))).toBeInstanceOf(impl.ContextOverflowError);
              return;
            }
            const before = summarised.length;
            const r = await impl.summariseOldTurns(history, { ...options, summarise, previous, keepRecentTurns });
            expect(r.tokens).toBe(sum(r.messages));
            expect(r.tokens).toBeLessThanOrEqual(room);
            expect(r.messages[r.messages.length - 1]).toBe(history[history.length - 1]);
            expectToolPairsIntact(r.messages);
            if (r.usedFallback) {
              expect(r.messages).toEqual(impl.slidingWindow(history, options).messages);
            }
            if (r.summary !== null) {
              expect(r.summary.coversFromTurn).toBe(0);
              // Each message is summarised once, in order: the summary's range is exactly what was fed to it.
              expect(summarised).toEqual(h.messages.slice(h.turnStarts[0], h.turnStarts[r.summary.coversToTurn + 1]));
            }
            const head = r.messages[0].content;
            if (typeof head === 'string' && head.startsWith(impl.SUMMARY_PREFIX)) {
              // The summary in front, then whole turns starting right after the summary's range: no gap, no overlap.
              expect(r.usedFallback).toBe(false);
              expect(r.summary).not.toBeNull();
              expect(head).toBe(impl.SUMMARY_PREFIX + r.summary!.text);
              expect(r.messages[1]).toMatchObject({ role: 'assistant', content: impl.SUMMARY_ACK });
              expect(r.messages.slice(2)).toEqual(history.slice(h.turnStarts[r.summary!.coversToTurn + 1]));
              expect(t - r.summary!.coversToTurn).toBeLessThanOrEqual(keepRecentTurns);
            } else {
              // No summary sent: a suffix of whole turns.
              const start = history.length - r.messages.length;
              expect(h.turnStarts).toContain(start);
              r.messages.forEach((x, i) => expect(x).toBe(history[start + i]));
              if (!r.usedFallback) expect(summarised.length).toBe(before);
            }
            previous = r.summary;
          }
        },
      ),
      { numRuns: 80 },
    );
  });
});

exercise('model-summariser', () => {
  let mock: ProviderMock | null = null;
  let anthropic: Anthropic;
  let openai: OpenAI;

  beforeAll(async () => {
    const { startProviderMock } = await import('../../fixtures/sim/index.ts');
    mock = startProviderMock({ speed: 0 });
    anthropic = new Anthropic({ apiKey: 'sim', maxRetries: 0 });
    openai = new OpenAI({ apiKey: 'sim', maxRetries: 0 });
  });
  afterAll(() => mock?.close());
  afterEach(() => mock?.sim.reset());

  const early: UnstampedMessage[] = [
    { role: 'user', content: 'Hi! My name is Ajay.' },
    { role: 'assistant', content: 'Nice to meet you, Ajay!' },
    { role: 'user', content: 'I work with DPDK.' },
    { role: 'assistant', content: "Got it, you work with DPDK." },
  ];

  it('asks a cheap Claude model (claude-haiku-4-5 by default) and returns its summary', async () => {
    const summarise = impl.modelSummariser({ client: anthropic });
    const text = await summarise(early.map((x) => impl.withTokenCount(x)), null);
    expect(text).toContain('Ajay');
    expect(text).toContain('DPDK');
    const sent = mock!.sim.requests.filter((r) => r.path.endsWith('/messages'));
    expect(sent).toHaveLength(1);
    expect((sent[0].body as { model: string }).model).toBe('claude-haiku-4-5');
  });

  it('passes the previous summary along, so facts from dropped turns survive', async () => {
    const summarise = impl.modelSummariser({ client: anthropic, model: 'claude-haiku-4-5' });
    const text = await summarise([impl.withTokenCount({ role: 'user', content: 'I live in Pune.' })], "The user's name is Ajay.");
    expect(text).toContain('Ajay');
    expect(text).toContain('Pune');
  });

  it('works on OpenAI too (gpt-4o-mini by default)', async () => {
    const summarise = impl.openAISummariser({ client: openai });
    const text = await summarise(early.map((x) => impl.withTokenCount(x)), null);
    expect(text).toContain('Ajay');
    const sent = mock!.sim.requests.filter((r) => r.path.endsWith('/chat/completions'));
    expect((sent[0].body as { model: string }).model).toBe('gpt-4o-mini');
  });

  it('end to end: after the old turns are summarised, the model still knows the name', async () => {
    const h: ContextMessage[] = early.map((x) => impl.withTokenCount(x));
    for (let t = 0; t < 8; t++) {
      h.push(impl.withTokenCount({ role: 'user', content: `Tell me fact number ${t} about ring buffers.` }));
      h.push(impl.withTokenCount({ role: 'assistant', content: `Fact ${t}: a ring buffer reuses a fixed block of memory.` }));
    }
    h.push(impl.withTokenCount({ role: 'user', content: 'What is my name?' }));
    const r = await impl.summariseOldTurns(h, {
      budget: 8000,
      systemTokens: 0,
      reserveOutput: 256,
      keepRecentTurns: 3,
      summarise: impl.modelSummariser({ client: anthropic }),
    });
    expect(r.usedFallback).toBe(false);
    expect(r.messages.some((x) => typeof x.content === 'string' && x.content.includes('My name is Ajay'))).toBe(false);
    const reply = await anthropic.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 64, messages: impl.toAnthropicMessages(r.messages) });
    const text = reply.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('');
    expect(text).toContain('Ajay');
  });

  it('a provider error makes summariseOldTurns fall back to the window', async () => {
    const h = conversation(8);
    mock!.sim.injectFault('server_error', { provider: 'anthropic' });
    const options = { budget: 100_000, systemTokens: 0, reserveOutput: 256 };
    const r = await impl.summariseOldTurns(h, { ...options, keepRecentTurns: 2, summarise: impl.modelSummariser({ client: anthropic }) });
    expect(r.usedFallback).toBe(true);
    expect(r.error).toBeInstanceOf(Anthropic.APIError);
    expect(r.messages).toEqual(impl.slidingWindow(h, options).messages);
  });
});
