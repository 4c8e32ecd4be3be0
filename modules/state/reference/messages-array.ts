import type { ChatAdapter, ChatMessage } from '../given/types.ts';

export interface AskOptions {
  model: string;
  maxTokens?: number;
  systemPrompt?: string;
}

/**
 * The wrong way: each input is its own call with a one-message array. The
 * model sees every question alone, so nothing said earlier exists for it.
 */
export async function askStateless(adapter: ChatAdapter, inputs: readonly string[], options: AskOptions): Promise<string[]> {
  const replies: string[] = [];
  for (const input of inputs) {
    const result = await adapter.complete({
      model: options.model,
      maxTokens: options.maxTokens ?? 512,
      system: options.systemPrompt ?? '',
      messages: [{ role: 'user', content: input }],
    });
    replies.push(result.text);
  }
  return replies;
}

/**
 * The right way: one array for the whole conversation. Append the user's
 * message, send the whole array, append the reply, repeat. The array is the
 * model's only memory.
 */
export async function askWithHistory(adapter: ChatAdapter, inputs: readonly string[], options: AskOptions): Promise<string[]> {
  const messages: ChatMessage[] = [];
  const replies: string[] = [];
  for (const input of inputs) {
    messages.push({ role: 'user', content: input });
    // Send a copy: the adapter (or a test recording calls) must not see later appends.
    const result = await adapter.complete({
      model: options.model,
      maxTokens: options.maxTokens ?? 512,
      system: options.systemPrompt ?? '',
      messages: [...messages],
    });
    messages.push({ role: 'assistant', content: result.text });
    replies.push(result.text);
  }
  return replies;
}
