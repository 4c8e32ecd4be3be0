/**
 * List prices per million tokens, standard tier, no caching or batch
 * discounts, for the models this lab uses. Data, not code: update the figures
 * and the date together.
 *
 * Checked: 2026-11-25.
 * Sources:
 *  - Anthropic: the model overview pages on platform.claude.com/docs
 *    (models/sonnet-4-6/overview: $3 / $15; models/haiku-4-5/overview: $1 / $5).
 *    Both models are listed there as legacy (still available) at that date.
 *  - OpenAI: openai.com/api/pricing list prices for gpt-4o ($2.50 / $10) and
 *    gpt-4o-mini ($0.15 / $0.60), unchanged since 2024 and cross-checked with
 *    third-party price trackers on the date above.
 * Prices change: treat the costs the lab prints as an illustration of how cost
 * grows with history, not as a quote.
 */
export const PRICES_CHECKED = '2026-11-25';

export interface ModelPrice {
  /** USD per 1,000,000 input tokens. */
  inputPerMTok: number;
  /** USD per 1,000,000 output tokens. */
  outputPerMTok: number;
  source: string;
}

export const prices: Readonly<Record<string, ModelPrice>> = Object.freeze({
  'claude-sonnet-4-6': { inputPerMTok: 3, outputPerMTok: 15, source: 'https://platform.claude.com/docs/en/models/sonnet-4-6/overview' },
  'claude-haiku-4-5': { inputPerMTok: 1, outputPerMTok: 5, source: 'https://platform.claude.com/docs/en/models/haiku-4-5/overview' },
  'gpt-4o': { inputPerMTok: 2.5, outputPerMTok: 10, source: 'https://openai.com/api/pricing' },
  'gpt-4o-mini': { inputPerMTok: 0.15, outputPerMTok: 0.6, source: 'https://openai.com/api/pricing' },
});

/** Estimated cost in USD of one call. Throws for a model without a price, rather than print $0. */
export function costUSD(model: string, usage: { inputTokens: number; outputTokens: number }): number {
  const price = prices[model];
  if (!price) throw new Error(`No price for model "${model}" in labs/02-forgetting/prices.ts. Known: ${Object.keys(prices).join(', ')}.`);
  return (usage.inputTokens * price.inputPerMTok + usage.outputTokens * price.outputPerMTok) / 1_000_000;
}
