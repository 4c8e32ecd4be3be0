/** The lab's choices and defaults, kept apart from the lab so `--help` answers without loading the SDKs. */
export type Provider = 'anthropic' | 'openai';
export type StrategyName = 'window' | 'summary' | 'none';

export const strategies: readonly StrategyName[] = ['window', 'summary', 'none'];
export const providers: readonly Provider[] = ['anthropic', 'openai'];

/** The conversation model and the cheap model that writes summaries, per provider. */
export const MODELS: Readonly<Record<Provider, { chat: string; cheap: string }>> = {
  anthropic: { chat: 'claude-sonnet-4-6', cheap: 'claude-haiku-4-5' },
  openai: { chat: 'gpt-4o', cheap: 'gpt-4o-mini' },
};

export const DEFAULTS = { provider: 'anthropic', strategy: 'window', budget: 600, speed: 0, maxTokens: 100 } as const satisfies {
  provider: Provider;
  strategy: StrategyName;
  budget: number;
  speed: number;
  maxTokens: number;
};
