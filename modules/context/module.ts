import type { ModuleMeta } from '../shared/meta.ts';

/**
 * The context module's exercises, in order: the one declaration the
 * workbench, the grader and the README read. Each id is also the name of the
 * describe block in context.test.ts that grades it.
 */
export const context: ModuleMeta = {
  name: 'context',
  title: 'Context windows: counting tokens, a sliding window, summarising old turns',
  exercises: [
    {
      id: 'count-tokens',
      title: "Count tokens with tiktoken's encodings, building each encoder once",
      file: 'exercises/tokens.ts',
      lesson: 'Tokens and tiktoken',
      hints: [
        'An encoder is slow to build and fast to use. Keep one per encoding in a module-level `Map<Encoding, CountingEncoder>` and build it (`new CountingEncoder(encoding)`) only when the map has none for that encoding.',
        'tiktoken refuses text that contains a special-token string such as "<|endoftext|>" unless you say otherwise. `encode(text, allowedSpecial, disallowedSpecial)`: allow none (`[]`) and disallow none (`[]`), and the string is encoded as the ordinary characters it is made of.',
        '`let e = cache.get(encoding); if (!e) { e = new CountingEncoder(encoding); cache.set(encoding, e); } return e;` and `return text === \'\' ? 0 : encoderFor(encoding).encode(text, [], []).length;`',
      ],
      checklist: ['count-tokens'],
    },
    {
      id: 'message-overhead',
      title: "The cookbook's per-message overhead, and counts stamped at write time",
      file: 'exercises/messages.ts',
      lesson: 'The per-message overhead',
      hints: [
        'A chat message costs more than its text: the cookbook adds tokens_per_message for every message, the tokens of each value in it (role, content, name), tokens_per_name when it has a name, and 3 once per request for the reply priming. `messageTextPieces(message)` (given) lists the strings to count.',
        'overheadFor: `{ perMessage: 4, perName: -1 }` for models whose name starts with gpt-3.5-turbo-0301, otherwise `{ perMessage: 3, perName: 1 }`. Count each piece on its own with `countTokens(piece, encoding)` (the joined string gives other numbers), with the encoding from `resolveEncoding(options)` (given).',
        'Write one helper, `tokensOfOne(message, encoding, overhead) = overhead.perMessage + Σ countTokens(piece) + (message.name !== undefined ? countTokens(message.name) + overhead.perName : 0)`. countMessageTokens = REPLY_PRIMING_TOKENS + Σ tokensOfOne. withTokenCount: `const { tokens: _old, ...rest } = message; return Object.assign(rest, { tokens: tokensOfOne(rest, ...) });` (setting the field on the copy keeps every stamped message one shape for V8; `{ ...rest, tokens }` gives each its own, and a long history then reads many times slower). countSystemTokens: 0 for \'\', else `tokensOfOne({ role: \'system\', content: system }, ...)`.',
      ],
      checklist: ['count-tokens'],
    },
    {
      id: 'exact-count',
      title: "Exact counts from Anthropic's count_tokens endpoint",
      file: 'exercises/exact.ts',
      lesson: 'Exact counts from the provider',
      hints: [
        'The SDK wraps the endpoint: `client.messages.countTokens({ model, messages, system?, tools? })` resolves to `{ input_tokens }`. It is free and runs no model.',
        'Stored messages carry a `tokens` field the API does not know: convert them with `toAnthropicMessages(messages)` (given). Send `system` only when it is a non-empty string, and `tools` only when there are some.',
        '`const r = await client.messages.countTokens({ model, messages: toAnthropicMessages(messages), ...(system ? { system } : {}), ...(tools && tools.length > 0 ? { tools } : {}) }); return r.input_tokens;`',
      ],
      checklist: ['count-tokens'],
    },
    {
      id: 'will-fit',
      title: 'willFit: the request and the reserved reply within the context size',
      file: 'exercises/fit.ts',
      lesson: 'Will it fit? Reserve room for the reply',
      hints: [
        'Input and output share the context window: what you send plus what you allow the model to write (max_tokens) must be at most the context size.',
        'The input is the system prompt (`countSystemTokens`) plus the messages with their overhead and the reply priming (`countMessageTokens`). Pass the `encoding` and `model` options on to both.',
        '`const counting = { encoding: options.encoding, model: options.model }; const input = countSystemTokens(options.system, counting) + countMessageTokens(options.messages, counting); return input + options.reserveOutput <= options.contextSize;`',
      ],
      checklist: ['count-tokens'],
    },
    {
      id: 'group-turns',
      title: 'Group a history into whole turns, tool calls with their results',
      file: 'exercises/turns.ts',
      lesson: 'Turns: the unit you may drop',
      hints: [
        'A turn starts at a user message that brings new input from the person. A user message whose content holds tool_result blocks answers a tool call, so it belongs to the turn in progress; so does every assistant and `tool` message.',
        'Walk the history once. When `isTurnStart(message)`, open `{ index: turns.length, start: i, end: i + 1, tokens: message.tokens }`; otherwise, if a turn is open, extend it (`end = i + 1`, `tokens += message.tokens`). Messages before the first user input belong to no turn. Use the stored counts only: never call the tokenizer here.',
        'isTurnStart: `m.role === \'user\' && (typeof m.content === \'string\' || !m.content.some((b) => b.type === \'tool_result\'))`. Check each count as you go: `if (typeof m.tokens !== \'number\' || !Number.isFinite(m.tokens) || m.tokens < 0) throw new TypeError(`history[${i}] has no stored token count: ...`)`.',
      ],
      checklist: ['sliding-window'],
    },
    {
      id: 'sliding-window',
      title: 'The longest suffix of whole turns that fits, with zero tokenizer calls',
      file: 'exercises/window.ts',
      lesson: 'The sliding window',
      hints: [
        'Work in whole turns, newest first: `splitTurns(history)` gives each turn with its stored token total. The room for messages is `budget - systemTokens - reserveOutput - REPLY_PRIMING_TOKENS`.',
        'The current (last) turn is always sent: if it alone exceeds the room, `throw new ContextOverflowError({ systemTokens, currentTurnTokens, primingTokens: REPLY_PRIMING_TOKENS, reserveOutput, available: budget })`. Then add older turns while they fit and fewer than maxTurns are kept, and stop at the first that does not fit: skipping it would leave a hole. With no turn at all, return an empty window (after the same check with currentTurnTokens 0).',
        '`let first = turns.length - 1; let used = turns[first].tokens; while (first > 0 && turns.length - first < maxTurns && used + turns[first - 1].tokens <= room) { first -= 1; used += turns[first].tokens; }` then `messages = history.slice(turns[first].start)`, `dropped = history.length - messages.length`, `droppedTurns = first`, `tokens = used`, `inputTokens = systemTokens + used + REPLY_PRIMING_TOKENS`.',
      ],
      checklist: ['sliding-window'],
    },
    {
      id: 'summarise-old-turns',
      title: 'Summarise old turns incrementally, store the range, fall back to the window',
      file: 'exercises/summarise.ts',
      lesson: 'Summarising old turns',
      hints: [
        'Start from the plain window capped at keepRecentTurns: `slidingWindow(history, { budget, systemTokens, reserveOutput, maxTurns: keepRecentTurns })` (let its ContextOverflowError through: a summary cannot shrink the current turn). Its `droppedTurns` is the first turn to send word for word; if it is 0 there is nothing to summarise: return its messages and the previous summary unchanged.',
        'The summary must cover turns 0 .. first - 1 and the previous one covers 0 .. previous.coversToTurn: give the summariser only `history.slice(turns[coversToTurn + 1].start, turns[first].start)` and `previous.text` (if the previous summary already reaches `first`, start the recent turns right after it and call nobody). Store `{ text, coversFromTurn, coversToTurn: first - 1, tokens: withTokenCount(summary message).tokens + acknowledgementTokens(encoding) }`.',
        'If `summary.tokens` + the recent turns exceed the room, move `first` forward until they fit and summarise the turns you passed over (again incrementally). Wrap it all in try/catch; on any error (or a summary that is empty after trim()) return `slidingWindow(history, { budget, systemTokens, reserveOutput })` with `usedFallback: true`, the error and the last valid summary. Otherwise: `messages = [...summaryMessages(summary, encoding), ...history.slice(turns[first].start)]`, `tokens = summary.tokens + Σ turns[first..].tokens`.',
      ],
      checklist: ['summarisation'],
    },
    {
      id: 'model-summariser',
      title: 'A summariser backed by a cheap model, through the real SDKs',
      file: 'exercises/summariser.ts',
      lesson: 'A cheap model as summariser',
      hints: [
        'A Summariser is an async function `(turns, previousSummary) => text`. Build the prompt with `summaryPrompt(turns, previousSummary)` (given) and send it as the only user message to a cheap model.',
        "Anthropic: `client.messages.create({ model, max_tokens: maxTokens, messages: [{ role: 'user', content: prompt }] })`, defaults claude-haiku-4-5 and 512; the reply's content is a list of blocks, keep the `text` ones. OpenAI: `client.chat.completions.create({ model, max_tokens: maxTokens, messages })`, default gpt-4o-mini; the text is `choices[0].message.content`.",
        "`const text = response.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('').trim(); if (text === '') throw new Error('no summary'); return text;` Do not catch the SDK's errors here: summariseOldTurns must see them to fall back to the window.",
      ],
      checklist: ['summarisation'],
    },
  ],
};
