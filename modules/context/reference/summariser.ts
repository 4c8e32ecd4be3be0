import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import type { ContentBlock, ContextMessage } from './messages.ts';
import type { Summariser } from './summarise.ts';

/**
 * Summarisers backed by a cheap model. Summarising is an easy task: a small,
 * fast model does it about as well as a large one, for a fraction of the price.
 */

function blockText(block: ContentBlock): string {
  if (block.type === 'text') return block.text;
  if (block.type === 'tool_use') return `[called tool ${block.name} with ${JSON.stringify(block.input ?? {})}]`;
  const content = typeof block.content === 'string' ? block.content : block.content.map((b) => b.text).join('');
  return `[tool result${block.is_error ? ' (error)' : ''}: ${content}]`;
}

/** A plain-text transcript, one "ROLE: text" line per message, for a summarisation prompt. */
export function renderTranscript(messages: readonly ContextMessage[]): string {
  return messages
    .map((message) => {
      const parts = typeof message.content === 'string' ? [message.content] : message.content.map(blockText);
      for (const call of message.tool_calls ?? []) parts.push(`[called tool ${call.function.name} with ${call.function.arguments}]`);
      const who = message.role === 'tool' ? 'TOOL RESULT' : message.role.toUpperCase();
      return `${who}: ${parts.filter((p) => p !== '').join(' ').replace(/\s*\n\s*/g, ' ')}`;
    })
    .join('\n');
}

/** The prompt sent to the cheap model: extend the previous summary with the new turns only. */
export function summaryPrompt(turns: readonly ContextMessage[], previousSummary: string | null): string {
  const lines = [
    'Summarise the earlier part of a conversation between a user and an assistant, so that the assistant can carry on without the full transcript.',
    'Keep: facts the user stated about themselves (name, work, preferences), decisions made, open questions, tool results that still matter.',
    'Leave out: greetings, filler and anything repeated.',
  ];
  if (previousSummary !== null) {
    lines.push(
      '',
      'The summary so far is below. Rewrite it to include the new turns; keep every fact it holds unless a new turn corrects it.',
      '<summary>',
      previousSummary,
      '</summary>',
    );
  }
  lines.push('', previousSummary === null ? 'Conversation:' : 'New turns:', '<transcript>', renderTranscript(turns), '</transcript>', '', 'Answer with the summary only, in at most five sentences.');
  return lines.join('\n');
}

export interface ModelSummariserOptions {
  client: Anthropic;
  /** A cheap, fast model. Default claude-haiku-4-5. */
  model?: string;
  /** Cap on the summary's length. Default 512. */
  maxTokens?: number;
}

/** A Summariser that asks a cheap Claude model. Throws if the reply holds no text, so the caller falls back. */
export function modelSummariser(options: ModelSummariserOptions): Summariser {
  const { client, model = 'claude-haiku-4-5', maxTokens = 512 } = options;
  return async (turns, previousSummary) => {
    const response = await client.messages.create({
      model,
      max_tokens: maxTokens,
      messages: [{ role: 'user', content: summaryPrompt(turns, previousSummary) }],
    });
    const text = response.content
      .flatMap((block) => (block.type === 'text' ? [block.text] : []))
      .join('')
      .trim();
    if (text === '') throw new Error(`The summariser model ${model} returned no text.`);
    return text;
  };
}

export interface OpenAISummariserOptions {
  client: OpenAI;
  /** A cheap, fast model. Default gpt-4o-mini. */
  model?: string;
  maxTokens?: number;
}

/** The same Summariser on OpenAI's chat completions. */
export function openAISummariser(options: OpenAISummariserOptions): Summariser {
  const { client, model = 'gpt-4o-mini', maxTokens = 512 } = options;
  return async (turns, previousSummary) => {
    const completion = await client.chat.completions.create({
      model,
      max_tokens: maxTokens,
      messages: [{ role: 'user', content: summaryPrompt(turns, previousSummary) }],
    });
    const text = (completion.choices[0]?.message.content ?? '').trim();
    if (text === '') throw new Error(`The summariser model ${model} returned no text.`);
    return text;
  };
}
