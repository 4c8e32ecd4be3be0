import type { ModuleMeta } from '../shared/meta.ts';

/**
 * The state module, declared once: the workbench, the grader and the README
 * table read this. Exercise ids are the describe names in state.test.ts;
 * `lesson` is the heading in README.md that teaches the exercise.
 */
export const state: ModuleMeta = {
  name: 'state',
  title: 'Conversation state: the messages array and a ConversationManager',
  exercises: [
    {
      id: 'state-messages-array',
      title: 'Forget, then remember: the messages array',
      file: 'exercises/messages-array.ts',
      lesson: 'The messages array',
      hints: [
        'askStateless builds a brand-new messages array for every input, with that input alone in it. askWithHistory keeps one array outside the loop.',
        'In askWithHistory: push { role: "user", content: input }, call adapter.complete({ model, maxTokens, system, messages }), then push { role: "assistant", content: result.text }. Defaults: maxTokens 512, system "".',
        'Pass a copy ([...messages]) to complete(): the adapter may keep the array it was given, and you are about to append the reply to yours.',
      ],
      checklist: ['llms-stateless'],
    },
    {
      id: 'state-adapters',
      title: 'One interface, two providers: the Anthropic and OpenAI adapters',
      file: 'exercises/adapters.ts',
      lesson: 'One interface, two providers',
      hints: [
        'Anthropic: client.messages.create({ model, max_tokens, messages, system? }) and client.messages.stream(...). OpenAI: client.chat.completions.create({ model, max_completion_tokens, messages }) and client.chat.completions.stream(...). The system prompt is a field for one and a first message for the other.',
        'stream(): create the SDK stream, then `const final = stream.finalMessage(); final.catch(() => {})` (OpenAI: finalChatCompletion()). Iterate the stream and yield only text: Anthropic content_block_delta events with delta.type "text_delta"; OpenAI chunk.choices[0]?.delta?.content. After the loop, return the ChatResult built from `await final`. OpenAI needs stream_options: { include_usage: true } or the usage is missing.',
        'Wrap the loop in try/finally with a `finished` flag set after `await final`; in finally, `if (!finished) stream.abort()`. A consumer\'s break calls your generator\'s return(), which runs that finally block and stops the upstream request.',
      ],
      checklist: ['stream-both-sdks', 'final-message'],
    },
    {
      id: 'state-conversation-manager',
      title: 'The ConversationManager: full history on every call',
      file: 'exercises/conversation-manager.ts',
      lesson: 'The ConversationManager',
      hints: [
        'Keep a private Turn[] and a busy flag. chat() = begin (build the request from history + the new user turn, which is NOT stored yet), adapter.complete, commit (append user + assistant together), and end() in a finally block.',
        '`history` returns Object.freeze([...turns]) of frozen turns (cache it until the turns change). turnCount is turns.length / 2 because the history only ever holds whole turns. In #begin, set busy before the first await, and clear it again in a catch if anything later throws.',
        'contextStrategy: call it with [...history, userTurn] and { provider, model, maxTokens, systemPrompt }; accept an array or { system?, messages }; check the last message is { role: "user", content: input } or throw ContextStrategyError. In #commit keep `before = turns`, append, await onTurn; on a throw restore `before` and rethrow.',
      ],
      checklist: ['conversation-manager', 'llms-stateless'],
    },
    {
      id: 'state-chat-stream',
      title: 'Streaming with history: append from the final message, only on completion',
      file: 'exercises/chat-stream.ts',
      lesson: 'Streaming and history',
      hints: [
        'chatStream is chat() with adapter.stream instead of adapter.complete: begin, stream, commit, end. The difference is that the text is yielded as it arrives and the commit waits for the end.',
        '`const result = yield* exchange.adapter.stream(prepared.request, options)` yields every chunk to your consumer and gives you the ChatResult the adapter returned from the final message. Commit that, then return result.text.',
        'Call begin() before the try, and end() in the finally. Never commit in a catch: a failed or abandoned stream must leave the history untouched. yield* also forwards a consumer\'s break (return()) to the adapter, whose finally aborts the request.',
      ],
      checklist: ['final-message', 'conversation-manager'],
    },
    {
      id: 'state-system-prompt',
      title: 'System prompts for multi-turn conversations',
      file: 'exercises/system-prompt.ts',
      lesson: 'System prompts for multi-turn',
      hints: [
        'Build an array of sections and join them with a blank line ("\\n\\n"): the role first, then each optional section only when it has content.',
        'remember defaults to DEFAULT_REMEMBER (but [] means none); write it as a heading line then "- item" lines. The reference-resolution section is always present: resolve "it" / "the function" from earlier turns; for "ask", ask a short question when they do not settle it; for "assume-most-recent", take the most recent and say so.',
        'Tasks: Object.entries(spec.tasks ?? {}) keeps insertion order; write "- Task: rule". Known facts last. Throw new TypeError(...) when spec.role is missing or blank.',
      ],
      checklist: ['conversation-manager'],
    },
  ],
};
