import type { ChecklistId } from './items.ts';

/**
 * The quiz for the checklist items about knowing and explaining. Multiple
 * choice, graded deterministically; each question names the item it evidences
 * and explains its answer, so a wrong answer teaches something.
 */
export interface QuizQuestion {
  id: string;
  item: ChecklistId;
  question: string;
  choices: Record<'a' | 'b' | 'c' | 'd', string>;
  answer: 'a' | 'b' | 'c' | 'd';
  why: string;
}

export const quiz: QuizQuestion[] = [
  {
    id: 'q1',
    item: 'why-streaming-feels-faster',
    question: 'A reply takes 8 s to generate. Streamed, the first words appear after 0.3 s. Why does it feel faster?',
    choices: {
      a: 'Streaming makes the model generate tokens faster',
      b: 'The user sees progress and starts reading after 0.3 s instead of staring at nothing for 8 s; the total time is the same',
      c: 'Streaming sends fewer tokens',
      d: 'SSE compresses the response',
    },
    answer: 'b',
    why: 'Total generation time does not change; perceived latency is the time to the first visible output, and reading overlaps generation.',
  },
  {
    id: 'q2',
    item: 'why-streaming-feels-faster',
    question: 'Which pair of numbers should you measure to show the benefit of streaming?',
    choices: { a: 'Input and output tokens', b: 'Time to first token and total time, streaming vs not', c: 'Requests per second', d: 'The size of each SSE event' },
    answer: 'b',
    why: 'TTFT is what the user feels; total time shows that the work itself did not change.',
  },
  {
    id: 'q3',
    item: 'sse-event-types',
    question: 'In an Anthropic stream, which event carries the stop reason and the final output token count?',
    choices: { a: 'message_start', b: 'content_block_stop', c: 'message_delta', d: 'message_stop' },
    answer: 'c',
    why: 'message_delta carries delta.stop_reason and usage.output_tokens; message_stop only marks the end.',
  },
  {
    id: 'q4',
    item: 'sse-event-types',
    question: 'Text arrives in which event, and in what delta type?',
    choices: { a: 'content_block_start / text', b: 'content_block_delta / text_delta', c: 'message_delta / text', d: 'ping / text_delta' },
    answer: 'b',
    why: 'content_block_delta events carry text_delta (text) or input_json_delta (tool input) for the block at `index`.',
  },
  {
    id: 'q5',
    item: 'accel-buffering',
    question: 'Your SSE endpoint works locally, but behind nginx the browser gets the whole reply at once. What do you add?',
    choices: { a: 'Content-Length', b: 'X-Accel-Buffering: no', c: 'Connection: close', d: 'Cache-Control: max-age=0' },
    answer: 'b',
    why: 'nginx buffers proxied responses by default; X-Accel-Buffering: no turns that off for this response (or set proxy_buffering off).',
  },
  {
    id: 'q6',
    item: 'mid-stream-errors',
    question: 'A rate limit hits after 500 tokens have been streamed with status 200. What should the server do?',
    choices: {
      a: 'Change the HTTP status to 429',
      b: 'Close the connection silently',
      c: 'Send an SSE error event, then the done event, then close',
      d: 'Restart the stream from the beginning without telling the client',
    },
    answer: 'c',
    why: 'The status line is already sent; the only channel left is the stream itself. A done event always ends it so the client stops waiting.',
  },
  {
    id: 'q7',
    item: 'llms-stateless',
    question: 'Call 1 says "My name is Ajay". Call 2, a separate request, asks "What is my name?". Why does the model not know?',
    choices: {
      a: 'The model forgot because of its context window',
      b: 'Each API call is independent: the model only sees the messages sent in that call',
      c: 'The provider deletes history after one minute',
      d: 'The system prompt was missing',
    },
    answer: 'b',
    why: 'LLM APIs keep no conversation state; your code must send the history with every call.',
  },
  {
    id: 'q8',
    item: 'llms-stateless',
    question: 'What does sending the full history every call cost you as a conversation grows?',
    choices: { a: 'Nothing: history is free', b: 'Input tokens (cost and latency) grow every turn, until the context window is full', c: 'Output tokens double', d: 'Only storage space' },
    answer: 'b',
    why: 'Every turn resends all earlier turns as input tokens; that is why context management exists.',
  },
  {
    id: 'q9',
    item: 'redis-vs-sqlite',
    question: 'One server, a few hundred users, history must survive restarts and be searchable. Which store?',
    choices: { a: 'Redis with a 1-hour TTL', b: 'SQLite', c: 'An in-memory array', d: 'A JSON file rewritten on every message' },
    answer: 'b',
    why: 'SQLite is durable, queryable and needs no server; it fits a single machine with modest concurrency.',
  },
  {
    id: 'q10',
    item: 'redis-vs-sqlite',
    question: 'Many app servers share sessions, reads are hot, and old sessions may expire, but you still need an archive. Which design?',
    choices: { a: 'SQLite on each server', b: 'Redis alone with no TTL', c: 'Redis as a cache with a TTL, in front of a durable database as the archive', d: 'Keep history in the browser only' },
    answer: 'c',
    why: 'Redis gives fast shared reads and expiry; the archive keeps what must survive.',
  },
  {
    id: 'q11',
    item: 'final-message',
    question: 'After streaming, how should you add the assistant turn to your history?',
    choices: {
      a: 'Concatenate the text deltas you printed',
      b: 'Use the assembled final message from the SDK (finalMessage / get_final_message), with all its content blocks and usage',
      c: 'Re-request the reply without streaming',
      d: 'Store only the last delta',
    },
    answer: 'b',
    why: 'The SDK assembles every block (text and tool_use with parsed input) and the usage; rebuilding it from chunks loses tool calls and is error-prone.',
  },
  {
    id: 'q12',
    item: 'count-tokens',
    question: 'tiktoken gives 1,200 tokens for a Claude prompt. How exact is that?',
    choices: { a: 'Exact', b: 'An approximation; use the count_tokens endpoint for the exact figure', c: 'Always too high by half', d: 'Meaningless for Claude' },
    answer: 'b',
    why: "tiktoken is OpenAI's tokenizer; Claude's differs. It is a good estimate for budgeting; count_tokens is exact.",
  },
];

export function gradeQuiz(answers: Record<string, string>): { correct: string[]; wrong: string[]; unanswered: string[] } {
  const correct: string[] = [];
  const wrong: string[] = [];
  const unanswered: string[] = [];
  for (const q of quiz) {
    const a = answers[q.id]?.trim().toLowerCase();
    if (!a) unanswered.push(q.id);
    else if (a === q.answer) correct.push(q.id);
    else wrong.push(q.id);
  }
  return { correct, wrong, unanswered };
}
