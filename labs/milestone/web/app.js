// The milestone chat page: plain JavaScript, no build step, no library.
// It reads the reply with fetch + a reader + TextDecoder (EventSource can only
// GET; a chat sends its message in a POST body), the same logic as the
// streaming module's browser consumer (modules/streaming/reference/browser-consumer.ts),
// written out here because that file is TypeScript. Model text is only ever
// set with textContent: it is shown as text, never parsed as HTML.

const KEY = 'milestone.sessionId';
const $ = (id) => document.getElementById(id);
const els = {
  messages: $('messages'), empty: $('empty'), session: $('session'), input: $('input'), send: $('send'), stop: $('stop'),
  composer: $('composer'), systemBox: $('system-box'), systemPrompt: $('system-prompt'), newChat: $('new-chat'),
  deleteChat: $('delete-chat'), refresh: $('refresh'), stats: $('stats'),
};

let sessionId = localStorage.getItem(KEY);
let streaming = false;

/** Read an SSE body to its done event, calling onEvent for each `data:` JSON payload. */
async function readEvents(response, onEvent) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const handle = (raw) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (!line.startsWith('data:')) return false; // blank separators, comments, event: lines
    const event = JSON.parse(line.slice(line.startsWith('data: ') ? 6 : 5));
    onEvent(event);
    return event.done === true;
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        buffer += decoder.decode();
        buffer.split('\n').forEach(handle);
        return;
      }
      buffer += decoder.decode(value, { stream: true }); // a read can split a multi-byte character
      const lines = buffer.split('\n');
      buffer = lines.pop(); // keep the incomplete last line for the next read
      for (const line of lines) if (handle(line)) return;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function addMessage(role, content, extra = {}) {
  els.empty.hidden = true;
  const box = el('div', `msg ${role}`);
  box.append(el('span', 'role', role === 'user' ? 'You' : 'Assistant'), el('div', 'text', content));
  if (extra.interrupted) box.append(el('span', 'badge', 'interrupted'));
  els.messages.append(box);
  els.messages.scrollTop = els.messages.scrollHeight;
  return box;
}

function showError(box, event) {
  const note = el('div', 'error');
  note.append(el('strong', '', event.error), document.createTextNode(`: ${event.message ?? ''}`));
  box.append(note);
  els.messages.scrollTop = els.messages.scrollHeight;
}

function setSession(id) {
  sessionId = id;
  if (id) localStorage.setItem(KEY, id);
  else localStorage.removeItem(KEY);
  els.session.textContent = id ? `session ${id}` : 'new session';
  els.systemBox.hidden = Boolean(id);
  els.deleteChat.disabled = !id || streaming;
}

function setStreaming(on) {
  streaming = on;
  els.send.disabled = on;
  els.stop.disabled = !on;
  els.newChat.disabled = on;
  els.deleteChat.disabled = on || !sessionId;
}

function clearMessages() {
  for (const node of [...els.messages.querySelectorAll('.msg')]) node.remove();
  els.empty.hidden = false;
}

async function send(text) {
  const body = { message: text };
  const prompt = els.systemPrompt.value.trim();
  if (!sessionId && prompt) body.system_prompt = prompt;
  addMessage('user', text);
  const box = addMessage('assistant', '');
  const textNode = box.querySelector('.text');
  box.classList.add('streaming');
  setStreaming(true);
  try {
    const response = await fetch(`/chat/stream/${encodeURIComponent(sessionId ?? 'new')}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      const error = await response.json().catch(() => ({ error: `http_${response.status}`, message: response.statusText }));
      if (response.status === 404 && sessionId) {
        setSession(null);
        error.message += ' This browser\'s session is gone; your next message starts a new one.';
      }
      showError(box, error);
      return;
    }
    await readEvents(response, (event) => {
      if (typeof event.session_id === 'string') setSession(event.session_id);
      else if (typeof event.text === 'string') {
        textNode.textContent += event.text;
        els.messages.scrollTop = els.messages.scrollHeight;
      } else if (event.error) showError(box, event);
      else if (event.done) {
        if (event.stopped) box.append(el('span', 'badge', 'interrupted'));
        if (event.usage) box.append(el('div', 'meta', `${event.usage.input} tokens in, ${event.usage.output} out`));
      }
    });
  } catch (error) {
    showError(box, { error: 'network', message: error instanceof Error ? error.message : String(error) });
  } finally {
    box.classList.remove('streaming');
    setStreaming(false);
    void refreshStats();
  }
}

async function loadHistory() {
  if (!sessionId) return;
  const response = await fetch(`/sessions/${encodeURIComponent(sessionId)}/history`);
  if (response.status === 404) return setSession(null);
  if (!response.ok) return;
  const history = await response.json();
  clearMessages();
  for (const m of history.messages) addMessage(m.role, m.content, { interrupted: m.status === 'interrupted' });
}

async function refreshStats() {
  const set = (name, value) => {
    const dd = els.stats.querySelector(`[data-stat="${name}"]`);
    dd.textContent = value;
    return dd;
  };
  if (!sessionId) {
    for (const dd of els.stats.querySelectorAll('dd')) dd.textContent = '-';
    return;
  }
  const response = await fetch(`/sessions/${encodeURIComponent(sessionId)}/stats`);
  if (!response.ok) return;
  const s = await response.json();
  const n = (x) => Number(x).toLocaleString('en');
  set('turns', String(s.turn_count));
  set('tokens', `${n(s.total_tokens.input)} / ${n(s.total_tokens.output)}`);
  set('age', s.age_seconds < 120 ? `${Math.round(s.age_seconds)} s` : `${Math.round(s.age_seconds / 60)} min`);
  set('strategy', s.context.strategy);
  set('limit', `${n(s.context.max_tokens)} tokens, keep ${s.context.keep_turns}`);
  set('window', s.context.window_active ? 'yes' : 'no').classList.toggle('on', s.context.window_active);
  set('history', n(s.context.history_tokens));
  set('sent', s.context.tokens_sent_last_turn === null ? '-' : n(s.context.tokens_sent_last_turn));
}

els.composer.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = els.input.value;
  if (streaming || text.trim() === '') return;
  els.input.value = '';
  void send(text);
});
els.input.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey) {
    event.preventDefault();
    els.composer.requestSubmit();
  }
});
els.stop.addEventListener('click', () => {
  if (sessionId) void fetch(`/sessions/${encodeURIComponent(sessionId)}/stop`, { method: 'POST' });
});
els.newChat.addEventListener('click', () => {
  setSession(null);
  clearMessages();
  void refreshStats();
  els.input.focus();
});
els.deleteChat.addEventListener('click', async () => {
  if (!sessionId || !confirm('Delete this conversation from the server?')) return;
  await fetch(`/sessions/${encodeURIComponent(sessionId)}`, { method: 'DELETE' });
  setSession(null);
  clearMessages();
  void refreshStats();
});
els.refresh.addEventListener('click', () => void refreshStats());

setSession(sessionId);
await loadHistory();
await refreshStats();
els.input.focus();
