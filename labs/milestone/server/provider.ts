/**
 * Which model answers: the offline simulator (in this process, or over HTTP
 * from `npm run provider`) or a live provider with a key. Either way the
 * server talks to it through the real SDKs and the state module's adapters.
 *
 * Over the network (the simulator over HTTP, a live provider) the SDKs get
 * upstreamFetch: node:http with keep-alive, which adds less to the first
 * token than Node 20's global fetch.
 *
 * In-process, the simulator is handed to the SDKs as their `fetch` function
 * (`sim.fetch`) rather than through MSW: MSW intercepts every fetch in the
 * process (tests that call the server from the same process would be
 * refused), while an SDK `fetch` option touches nothing else.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { Simulator } from '../../../fixtures/sim/index.ts';
import { anthropicAdapter, openaiAdapter, type ChatAdapter } from '../../../modules/state/reference/index.ts';
import { upstreamFetch, type FetchLike } from './upstream-fetch.ts';
import { MODELS, type ServerConfig, type Wire } from './config.ts';

export interface ProviderHandle {
  adapter: ChatAdapter;
  model: string;
  summaryModel: string;
  /** One line for the start-up banner. */
  description: string;
  /** The in-process simulator, when there is one (tests inject faults through it). */
  sim: Simulator | null;
  /** Close idle upstream connections (on shutdown). */
  close(): void;
}

type ProviderConfig = Pick<ServerConfig, 'provider' | 'simUrl' | 'simWire' | 'simSpeed' | 'model' | 'summaryModel'>;

export function openProvider(config: ProviderConfig, env: NodeJS.ProcessEnv = process.env): ProviderHandle {
  const wire: Wire = config.provider === 'sim' ? config.simWire : config.provider;
  const model = config.model ?? MODELS[wire].chat;
  const summaryModel = config.summaryModel ?? MODELS[wire].cheap;
  // The Anthropic SDK starts OpenTelemetry spans for every call unless told not to. This server
  // registers no tracer, so they would go to the no-op one, at up to ~0.1 ms of each reply's first token.
  // Setting ANTHROPIC_OPEN_TELEMETRY (the SDK's own variable) leaves the choice to the SDK.
  const tracing = env.ANTHROPIC_OPEN_TELEMETRY === undefined ? { openTelemetry: false as const } : {};
  const build = (options: { baseURL?: string; apiKey: string; fetch: FetchLike }): ChatAdapter =>
    wire === 'anthropic'
      ? anthropicAdapter(new Anthropic({ ...options, ...tracing }))
      : openaiAdapter(new OpenAI({ ...options, baseURL: options.baseURL && `${options.baseURL}/v1` }));

  if (config.provider === 'sim' && config.simUrl === null) {
    const sim = new Simulator({ speed: config.simSpeed, keepRequests: 100 }); // a bound: a server runs for days
    return {
      adapter: build({ baseURL: 'http://simulator.invalid', apiKey: 'sim', fetch: sim.fetch }),
      model,
      summaryModel,
      description: `offline simulator in-process (${wire} wire, speed ${config.simSpeed}, ${sim.cassettes.length} cassettes), model ${model}`,
      sim,
      close: () => {},
    };
  }
  const upstream = upstreamFetch();
  if (config.provider === 'sim') {
    const baseURL = (config.simUrl ?? '').replace(/\/+$/, '').replace(/\/v1$/, '');
    return { adapter: build({ baseURL, apiKey: 'sim', fetch: upstream }), model, summaryModel, description: `simulator at ${baseURL} (${wire} wire), model ${model}`, sim: null, close: upstream.close };
  }
  const keyName = wire === 'anthropic' ? 'ANTHROPIC_API_KEY' : 'OPENAI_API_KEY';
  const apiKey = env[keyName];
  if (!apiKey) throw new Error(`--provider ${wire} needs ${keyName} in the environment (a key is never taken as a flag: flags show up in process lists).`);
  return { adapter: build({ apiKey, fetch: upstream }), model, summaryModel, description: `${wire} (live), model ${model}`, sim: null, close: upstream.close };
}
