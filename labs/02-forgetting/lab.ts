import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startProviderMock, type ProviderMock } from '../../fixtures/sim/index.ts';
import { ContextOverflowError, countTokens, encodingForModel } from '../../modules/context/reference/index.ts';
import {
  ConversationManager,
  anthropicAdapter,
  askStateless,
  buildSystemPrompt,
  openaiAdapter,
  type ChatAdapter,
} from '../../modules/state/reference/index.ts';
import { DEFAULTS, MODELS, type Provider, type StrategyName } from './options.ts';
import { PRICES_CHECKED, costUSD, prices } from './prices.ts';
import { fullHistory, summaryStrategy, windowStrategy, type ContextDecision, type RecordingStrategy } from './strategies.ts';

/**
 * Lab 2: observe forgetting, then manage the context window.
 *
 *   Step 1  two independent calls: the model forgets the user's name.
 *   Step 2  the same two messages through a ConversationManager: it remembers.
 *   Step 3  a 20-turn conversation under a token budget, turn by turn: what is
 *           sent, what it costs, and the turn at which the sliding window (or
 *           the summary) takes over and what it drops.
 *
 * Everything runs against the offline provider simulator.
 */

export { DEFAULTS, MODELS, providers, strategies, type Provider, type StrategyName } from './options.ts';

export interface LabOptions {
  provider: Provider;
  strategy: StrategyName;
  /** Token budget of every request in step 3 (a small stand-in for the context window). */
  budget: number;
  /** Simulator time: 0 = instant, 1 = the providers' real pace. */
  speed: number;
  /** The reply limit, and the tokens reserved for it inside the budget. */
  maxTokens: number;
  /** Summary strategy: turns kept word for word at most (default: as many as fit). */
  keepRecent?: number;
  /** Where each line of output goes. Default: console.log. */
  write?: (line: string) => void;
  /** ANSI colour in the output. Default false. */
  colour?: boolean;
  /** Folder for the JSON results; null writes nothing. */
  resultsDir?: string | null;
}

export const INTRO = 'My name is Ajay and I work with DPDK.';
export const QUESTION = 'What is my name and what technology do I work with?';

/** Step 3's conversation: the fact in turn 1, eighteen turns of work, the question in turn 20. */
export const SCRIPT: readonly string[] = [
  INTRO,
  'How should I size the mempool for 10 Gbit/s of small packets?',
  'Which NIC offloads are worth turning on first?',
  'Is it worth pinning the RX queues to isolated cores?',
  'What does a typical poll-mode driver loop look like?',
  'How do I measure packet drops at the NIC level?',
  'Should the control plane run on the same socket as the data plane?',
  'What burst size suits rte_eth_rx_burst?',
  'How do hugepages interact with NUMA placement?',
  'Which counters tell me a ring is overflowing?',
  'Can two primary processes share one host?',
  'How do I hand packets to a worker core without copying them?',
  'What are the trade-offs of RSS versus flow director?',
  'Is the IOMMU needed with vfio-pci?',
  'How should link-state changes be handled at run time?',
  'What does a cache miss cost in the fast path?',
  'Where should timestamps be taken for latency measurements?',
  'How do I test all this without real hardware?',
  'Any last advice before we deploy to production?',
  QUESTION,
];

/** Step 3's system prompt, built with the state module's helper. It asks the model to remember: watch what that is worth. */
export const SYSTEM_PROMPT = buildSystemPrompt({
  role: 'You are a concise assistant for engineers who write packet-processing software.',
  remember: ["the user's name and the technology they work with"],
});

export interface TurnRow {
  turn: number;
  input: string;
  reply: string;
  /** Messages in the request (system prompt not counted). */
  messagesSent: number;
  /** Provider-reported usage of the conversation call. */
  inputTokens: number;
  outputTokens: number;
  /** Local estimate had the whole history been sent. */
  fullHistoryTokens: number;
  /** This turn's cost: the call, plus any summariser calls. */
  costUSD: number;
  cumulativeCostUSD: number;
  ms: number;
  context: ContextDecision['kind'];
  droppedTurns: number;
  /** Turns (1-based) newly left out at this turn, with what the user said in them. */
  newlyDropped: Array<{ turn: number; input: string }>;
  summary: string | null;
  summariserTokens: { input: number; output: number } | null;
}

export interface LabResult {
  schema: 'lab2-forgetting/v1';
  completedAt: string;
  options: { provider: Provider; strategy: StrategyName; budget: number; speed: number; maxTokens: number; keepRecent: number | null; model: string; summaryModel: string | null };
  prices: { checked: string; perMTok: Record<string, { input: number; output: number }> };
  step1: { inputs: string[]; replies: string[]; messagesSent: number[]; forgot: boolean };
  step2: { inputs: string[]; replies: string[]; messagesSent: number[]; remembered: boolean };
  step3: {
    turns: TurnRow[];
    /** First turn at which something was left out, or null if the budget was never reached. */
    takeoverTurn: number | null;
    finalReply: string;
    finalRemembered: boolean;
    totalCostUSD: number;
    /** Estimate of the same 20 turns sending the whole history every time. */
    fullHistoryCostUSD: number;
  };
  checks: { statelessForgot: boolean; historyRemembered: boolean; contextTookOver: boolean; factSurvived: boolean };
  /** The lab's point was shown: forgetting, remembering, and a strategy taking over before turn 20. */
  passed: boolean;
  files: string[];
}

const remembers = (reply: string) => /\bAjay\b/.test(reply) && /\bDPDK\b/.test(reply);
const forgets = (reply: string) => !/\bAjay\b/.test(reply) && /don't know/i.test(reply);

type Style = 'red' | 'green' | 'yellow' | 'dim' | 'bold' | 'cyan';
const codes: Record<Style, number> = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1, cyan: 36 };

function clip(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length <= width ? flat : `${flat.slice(0, width - 3)}...`;
}

const usd = (n: number) => `$${n.toFixed(5)}`;

function messagesIn(body: unknown): number {
  const messages = (body as { messages?: Array<{ role?: string }> } | null)?.messages ?? [];
  return messages.filter((m) => m.role !== 'system').length;
}

function makeAdapter(provider: Provider): ChatAdapter {
  // Built after the mock is listening: the SDKs capture fetch when constructed.
  return provider === 'anthropic' ? anthropicAdapter(new Anthropic({ apiKey: 'sim' })) : openaiAdapter(new OpenAI({ apiKey: 'sim' }));
}

export async function runLab(input: Partial<LabOptions> = {}): Promise<LabResult> {
  const options: LabOptions = { ...DEFAULTS, ...input };
  const { provider, strategy: strategyName, budget, speed, maxTokens } = options;
  const write = options.write ?? ((line: string) => console.log(line));
  const paint = (style: Style, text: string) => (options.colour ? `\u001b[${codes[style]}m${text}\u001b[0m` : text);
  const models = MODELS[provider];

  const mock: ProviderMock = startProviderMock({ speed, cassettes: false });
  try {
    const adapter = makeAdapter(provider);
    const say = (who: 'you' | 'model', text: string, note = '') => write(`  ${who === 'you' ? paint('cyan', 'you  >') : paint('dim', 'model<')} ${clip(text, 96)}${note ? paint('dim', `  [${note}]`) : ''}`);

    // Step 1 -------------------------------------------------------------
    write(paint('bold', 'Step 1: two independent calls, no history'));
    write(paint('dim', '  Each call carries only its own message, the way a naive app calls the API.'));
    const inputs = [INTRO, QUESTION];
    mock.sim.reset();
    const stateless = await askStateless(adapter, inputs, { model: models.chat, maxTokens });
    const step1Sent = mock.sim.requests.map((r) => messagesIn(r.body));
    inputs.forEach((text, i) => {
      say('you', text);
      say('model', stateless[i], `sent ${step1Sent[i]} message${step1Sent[i] === 1 ? '' : 's'}`);
    });
    const forgot = forgets(stateless[1]);
    write(forgot ? paint('red', '  => Forgotten. The second call held one message; the model never saw the first.') : paint('yellow', '  => Unexpected: the model answered from somewhere other than the request.'));
    write('');

    // Step 2 -------------------------------------------------------------
    write(paint('bold', 'Step 2: the same messages through a ConversationManager'));
    write(paint('dim', '  The manager keeps the history and sends all of it with every call.'));
    const manager = new ConversationManager({ adapter, model: models.chat, maxTokens });
    const step2Replies: string[] = [];
    const step2Sent: number[] = [];
    for (const text of inputs) {
      const reply = await manager.chat(text);
      step2Replies.push(reply);
      step2Sent.push(manager.lastRequest?.messages.length ?? 0);
      say('you', text);
      say('model', reply, `sent ${step2Sent.at(-1)} message${step2Sent.at(-1) === 1 ? '' : 's'}`);
    }
    const remembered = remembers(step2Replies[1]);
    write(remembered ? paint('green', '  => Remembered. Same model, same question: the only difference is the messages array.') : paint('yellow', '  => Unexpected: the model did not recall the name.'));
    write('');

    // Step 3 -------------------------------------------------------------
    const title = { window: 'a sliding window', summary: 'a summary of old turns', none: 'no context management' }[strategyName];
    write(paint('bold', `Step 3: ${SCRIPT.length} turns with ${title}, budget ${budget} tokens per request (${maxTokens} reserved for the reply)`));
    write(paint('dim', `  ${provider} ${models.chat}${strategyName === 'summary' ? `, summaries by ${models.cheap}` : ''}; prices as of ${PRICES_CHECKED} (labs/02-forgetting/prices.ts).`));
    const strategyOptions = { budget, reserveOutput: maxTokens, model: models.chat };
    let recorder: RecordingStrategy;
    if (strategyName === 'window') recorder = windowStrategy(strategyOptions);
    else if (strategyName === 'summary') recorder = summaryStrategy({ ...strategyOptions, summariser: { adapter, model: models.cheap }, keepRecentTurns: options.keepRecent });
    else recorder = fullHistory(strategyOptions);
    const conversation = new ConversationManager({ adapter, model: models.chat, maxTokens, systemPrompt: SYSTEM_PROMPT, contextStrategy: recorder.strategy });

    // Build the tokenizer now, so its one-off start-up cost does not show up as turn 1's time.
    countTokens('warm up', encodingForModel(models.chat));
    write(paint('dim', '  msgs: messages sent | full hist: tokens the whole history would take (local estimate) | sent: input tokens billed'));
    write(paint('dim', '  out: output tokens | cost: this turn, summaries included | total: so far | ms: time for the call'));
    const header = ['turn', 'msgs', 'full hist', 'sent', 'out', 'cost', 'total', 'ms', 'context'];
    const widths = [4, 4, 9, 6, 4, 9, 9, 6, 0];
    const line = (cells: string[]) => cells.map((c, i) => (widths[i] ? c.padStart(widths[i]) : c)).join('  ');
    write(line(header));
    write(paint('dim', line(widths.map((w, i) => '-'.repeat(w || header[i].length + 24)))));

    const rows: TurnRow[] = [];
    let total = 0;
    let fullCost = 0;
    let previousDropped = 0;
    for (const [i, text] of SCRIPT.entries()) {
      const started = performance.now();
      let reply: string;
      try {
        reply = await conversation.chat(text);
      } catch (error) {
        if (error instanceof ContextOverflowError) {
          throw new Error(`--budget ${budget} is too small for turn ${i + 1}: ${error.message} Try a budget of at least ${error.needed}.`);
        }
        throw error;
      }
      const ms = performance.now() - started;
      const decision = recorder.decisions[recorder.decisions.length - 1];
      const usage = conversation.history[conversation.history.length - 1].usage ?? { inputTokens: 0, outputTokens: 0 };
      const summaryUsage = decision.summariserCalls.reduce((s, c) => ({ input: s.input + c.usage.inputTokens, output: s.output + c.usage.outputTokens }), { input: 0, output: 0 });
      const cost = costUSD(models.chat, usage) + decision.summariserCalls.reduce((s, c) => s + costUSD(c.model, c.usage), 0);
      total += cost;
      fullCost += costUSD(models.chat, { inputTokens: decision.fullHistoryTokens, outputTokens: usage.outputTokens });
      const newlyDropped: TurnRow['newlyDropped'] = [];
      for (let t = previousDropped; t < decision.droppedTurns; t++) newlyDropped.push({ turn: t + 1, input: SCRIPT[t] });
      previousDropped = Math.max(previousDropped, decision.droppedTurns);
      const row: TurnRow = {
        turn: i + 1,
        input: text,
        reply,
        messagesSent: conversation.lastRequest?.messages.length ?? 0,
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        fullHistoryTokens: decision.fullHistoryTokens,
        costUSD: cost,
        cumulativeCostUSD: total,
        ms,
        context: decision.kind,
        droppedTurns: decision.droppedTurns,
        newlyDropped,
        summary: decision.summary?.text ?? null,
        summariserTokens: decision.summariserCalls.length ? summaryUsage : null,
      };
      rows.push(row);

      const firstTakeover = decision.droppedTurns > 0 && rows.filter((r) => r.droppedTurns > 0).length === 1;
      let context: string;
      const span = decision.droppedTurns === 1 ? 'turn 1' : `turns 1-${decision.droppedTurns}`;
      if (decision.kind === 'window') context = `window: ${span} left out`;
      else if (decision.kind === 'summary') context = `summary of ${span} + ${decision.turns - decision.droppedTurns} recent`;
      else if (decision.kind === 'fallback') context = `summariser failed, window: ${span} left out`;
      else context = strategyName === 'none' && decision.fullHistoryTokens + maxTokens > budget ? `everything: ${decision.fullHistoryTokens + maxTokens} > budget ${budget}` : 'everything';
      const cells = [String(row.turn), String(row.messagesSent), String(row.fullHistoryTokens), String(row.inputTokens), String(row.outputTokens), usd(cost), usd(total), String(Math.round(ms)), context];
      write(firstTakeover ? paint('yellow', line(cells)) : line(cells));
      if (firstTakeover) write(paint('yellow', `        ^ the ${decision.kind === 'window' ? 'window' : 'summary'} takes over: from here on, not everything said is sent.`));
      for (const d of newlyDropped) write(paint('dim', `        left out${decision.kind === 'summary' ? ' (now in the summary)' : ''}: turn ${d.turn} "${clip(d.input, 70)}"`));
      if (row.summariserTokens) {
        write(paint('dim', `        summary by ${models.cheap} (${row.summariserTokens.input} in, ${row.summariserTokens.output} out): "${clip(row.summary ?? '', 80)}"`));
      }
    }

    const finalReply = rows[rows.length - 1].reply;
    const finalRemembered = remembers(finalReply);
    const takeover = rows.find((r) => r.droppedTurns > 0)?.turn ?? null;
    write('');
    say('you', QUESTION, 'turn 20');
    say('model', finalReply);
    if (finalRemembered && takeover !== null) {
      write(paint('green', `  => Remembered, although turn 1 was not sent word for word since turn ${rows.find((r) => r.newlyDropped.some((d) => d.turn === 1))?.turn ?? takeover}: the summary carried the fact.`));
    } else if (finalRemembered) {
      write(paint('green', '  => Remembered: the whole history was sent with every call.'));
    } else {
      write(paint('red', `  => Forgotten. The window dropped turn 1, and with it the name, at turn ${rows.find((r) => r.newlyDropped.some((d) => d.turn === 1))?.turn ?? '?'}. The system prompt asks the model to remember; it cannot remember what it is not sent.`));
    }
    if (strategyName === 'none') {
      const over = rows.find((r) => r.fullHistoryTokens + maxTokens > budget);
      write(`  Total ${usd(total)}. Every turn re-sends everything said so far, so every turn costs more than the one before.`);
      if (over) write(paint('yellow', `  From turn ${over.turn} the request no longer fits the ${budget}-token budget: against a real context window, that is where calls start failing.`));
      write(paint('dim', '  Run with --strategy window or --strategy summary to see a strategy take over.'));
    } else {
      write(`  Total ${usd(total)}; sending the whole history every turn would have cost about ${usd(fullCost)} (estimate).`);
      if (takeover === null) write(paint('yellow', `  The budget was never reached, so nothing was left out. Try a smaller one, e.g. --budget ${Math.max(300, Math.round(budget / 2))}.`));
    }

    const result: LabResult = {
      schema: 'lab2-forgetting/v1',
      completedAt: new Date().toISOString(),
      options: { provider, strategy: strategyName, budget, speed, maxTokens, keepRecent: options.keepRecent ?? null, model: models.chat, summaryModel: strategyName === 'summary' ? models.cheap : null },
      prices: { checked: PRICES_CHECKED, perMTok: Object.fromEntries([models.chat, models.cheap].map((m) => [m, { input: prices[m].inputPerMTok, output: prices[m].outputPerMTok }])) },
      step1: { inputs, replies: stateless, messagesSent: step1Sent, forgot },
      step2: { inputs, replies: step2Replies, messagesSent: step2Sent, remembered },
      step3: { turns: rows, takeoverTurn: takeover, finalReply, finalRemembered, totalCostUSD: total, fullHistoryCostUSD: fullCost },
      checks: { statelessForgot: forgot, historyRemembered: remembered, contextTookOver: takeover !== null && takeover < SCRIPT.length, factSurvived: finalRemembered },
      passed: forgot && remembered && takeover !== null && takeover < SCRIPT.length,
      files: [],
    };
    if (options.resultsDir) {
      mkdirSync(options.resultsDir, { recursive: true });
      const files = [path.join(options.resultsDir, 'lab2-forgetting.json'), path.join(options.resultsDir, `${provider}-${strategyName}-${budget}.json`)];
      result.files = files;
      for (const file of files) writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
      write('');
      write(paint('dim', `Results: ${files.map((f) => path.relative(process.cwd(), f)).join(', ')}`));
    }
    return result;
  } finally {
    mock.close();
  }
}
