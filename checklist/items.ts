/**
 * The module's mastery checklist: 18 items, in our own words. Ids are stable;
 * evidence (tests, labs, benchmarks, quiz questions) is attached in evidence.ts.
 */
export const checklistItems = [
  { id: 'why-streaming-feels-faster', text: 'Explain why a streamed reply feels faster although the total time is the same' },
  { id: 'sse-event-types', text: 'Name the streaming event types (message_start, content_block_start, content_block_delta, message_stop, ...) and what each carries' },
  { id: 'stream-both-sdks', text: 'Stream a reply with both the Anthropic and the OpenAI SDK' },
  { id: 'sse-endpoint', text: 'Build a server endpoint that streams correctly formatted SSE' },
  { id: 'accel-buffering', text: 'Send X-Accel-Buffering: no so nginx does not buffer the stream' },
  { id: 'mid-stream-errors', text: 'Handle errors mid-stream: send an error event, and always a done event' },
  { id: 'llms-stateless', text: 'Explain why LLMs are stateless and what that means for a chat app' },
  { id: 'conversation-manager', text: 'Implement a ConversationManager that sends the full history with every call' },
  { id: 'count-tokens', text: "Count tokens with tiktoken and with the provider's count-tokens endpoint" },
  { id: 'sliding-window', text: 'Implement a sliding window that keeps the last turns within a token budget' },
  { id: 'summarisation', text: 'Implement a summarisation strategy that uses a cheap model for old turns' },
  { id: 'sqlite-history', text: 'Persist conversation history to SQLite with a proper schema and load it back' },
  { id: 'redis-vs-sqlite', text: 'Know when to use Redis or SQLite for conversation storage, and implement both' },
  { id: 'final-message', text: 'Take the assembled final message after streaming instead of rebuilding it from chunks' },
  { id: 'lab1-ttft', text: 'Complete Lab 1: measure time to first token' },
  { id: 'lab2-forgetting', text: 'Complete Lab 2: observe forgetting and manage the context window' },
  { id: 'lab3-session-store', text: 'Complete Lab 3: a persistent session store, end to end' },
  { id: 'milestone', text: 'Ship the milestone chat API with a README that says how to run it' },
] as const;

export type ChecklistId = (typeof checklistItems)[number]['id'];
