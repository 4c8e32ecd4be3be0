/** npm run provider -- --port 8787 — the provider simulator over HTTP on 127.0.0.1, for any client in any language. */
import { parseCommand, runMain, numberOption, paint } from './lib/cli.ts';
import { startProviderServer } from '../fixtures/sim/server.ts';
import { faultKinds } from '../fixtures/sim/faults.ts';

runMain(async () => {
  const { values } = parseCommand({
    name: 'provider',
    summary: 'serve the offline provider simulator (Anthropic and OpenAI wire formats) on loopback',
    usage: 'npm run provider -- [--port 8787] [--speed 1] [--seed 1] [--no-cassettes]',
    options: { port: { type: 'string' }, host: { type: 'string' }, speed: { type: 'string' }, seed: { type: 'string' }, 'no-cassettes': { type: 'boolean' }, quiet: { type: 'boolean' } },
    help: [
      ['--port <n>', 'port to listen on (default 8787; 0 picks a free one)'],
      ['--host <addr>', 'loopback address: 127.0.0.1 (default), localhost or ::1'],
      ['--speed <n>', '1 = real timing (default), 0 = instant, 2 = twice as slow'],
      ['--seed <n>', 'seed for jitter and ids (default 1)'],
      ['--no-cassettes', 'answer everything with the synthetic model'],
      ['--quiet', 'do not log each request'],
    ],
    examples: [
      'npm run provider -- --port 8787',
      'ANTHROPIC_BASE_URL=http://127.0.0.1:8787 python my_app.py',
      `curl -N http://127.0.0.1:8787/v1/messages -H 'content-type: application/json' -d '{"model":"claude-sonnet-4-6","max_tokens":256,"stream":true,"messages":[{"role":"user","content":"Say hello"}]}'`,
    ],
  });
  const server = await startProviderServer({
    port: numberOption(values.port, '--port', 8787, { min: 0, max: 65535 }),
    host: values.host ?? '127.0.0.1',
    speed: numberOption(values.speed, '--speed', 1, { min: 0 }),
    seed: numberOption(values.seed, '--seed', 1),
    keepRequests: 1000, // the log below reads the latest; a long run would keep every body otherwise
    ...(values['no-cassettes'] ? { cassettes: false as const } : {}),
  });
  const out = process.stdout;
  console.log(`${paint('green', 'Provider simulator', out)} listening on ${server.url} (loopback only, speed ${server.sim.speed}, ${server.sim.cassettes.length} cassettes)`);
  console.log('');
  console.log(`  Anthropic SDK:  new Anthropic({ baseURL: '${server.url}', apiKey: 'sim' })   or ANTHROPIC_BASE_URL=${server.url}`);
  console.log(`  OpenAI SDK:     new OpenAI({ baseURL: '${server.url}/v1', apiKey: 'sim' })     or OPENAI_BASE_URL=${server.url}/v1`);
  console.log(`  Endpoints:      POST /v1/messages, POST /v1/messages/count_tokens, POST /v1/chat/completions`);
  console.log(`  Faults:         header x-sim-fault: <kind>, or [[fault:<kind>]] in the last user message`);
  console.log(`                  kinds: ${faultKinds.join(', ')}`);
  console.log('\nPress Ctrl+C to stop.');
  if (!values.quiet) {
    let seen = 0;
    setInterval(() => {
      const fresh = server.sim.requestCount - seen;
      seen = server.sim.requestCount;
      if (fresh <= 0) return;
      const kept = server.sim.requests.slice(-fresh);
      if (fresh > kept.length) console.log(`${new Date().toISOString()} (${fresh - kept.length} requests not shown)`);
      for (const r of kept) {
        console.log(`${new Date().toISOString()} ${r.method} ${r.path} -> ${r.source}${r.cassette ? ` ${r.cassette}` : ''}${r.fault ? ` (fault: ${r.fault})` : ''}`);
      }
    }, 200).unref();
  }
  const stop = () => void server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
});
