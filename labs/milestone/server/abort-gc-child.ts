/**
 * Run by provider.test.ts as `node --expose-gc`: an abort must reach the
 * in-process simulator even after a garbage collection (a stalled reply is
 * otherwise never cancelled). Prints "ended" when the aborted stream ends.
 */
import { openProvider } from './provider.ts';
import { DEFAULTS } from './config.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const { adapter, model } = openProvider({ ...DEFAULTS, simSpeed: 0.05 });
const controller = new AbortController();
const stream = adapter.stream({ model, maxTokens: 200, system: '', messages: [{ role: 'user', content: '[[fault:stall]] Explain RAG in detail' }] }, { signal: controller.signal });
await stream.next(); // some text, then the stall
for (let i = 0; i < 5; i++) {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 20));
}
const timer = setTimeout(() => {
  console.log('hung');
  process.exit(1);
}, 5000);
controller.abort();
try {
  for (;;) if ((await stream.next()).done) break;
} catch {
  // the abort error: what we want
}
clearTimeout(timer);
console.log('ended');
