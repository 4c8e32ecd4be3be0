/** npm run fixtures:check — replay every cassette through the real SDKs and assert what they assemble. */
import path from 'node:path';
import { parseCommand, runMain, paint, numberOption } from './lib/cli.ts';
import { startProviderMock } from '../fixtures/sim/msw.ts';
import { loadCassettes } from '../fixtures/sim/cassette.ts';
import { checkCassettes } from '../fixtures/sim/check.ts';

runMain(async () => {
  const { values } = parseCommand({
    name: 'fixtures:check',
    summary: 'replay every cassette through the real Anthropic and OpenAI SDKs and check the assembled final message',
    usage: 'npm run fixtures:check [-- --dir <fixtures root>] [--speed 0]',
    options: { dir: { type: 'string' }, speed: { type: 'string' } },
    help: [
      ['--dir <path>', 'folder holding anthropic/ and openai/ cassettes (default: fixtures/)'],
      ['--speed <n>', '0 = instant (default), 1 = as recorded'],
    ],
  });
  const cassettes = loadCassettes(values.dir ? path.resolve(values.dir) : undefined);
  if (cassettes.length === 0) throw new Error(`no cassettes found under ${values.dir ?? 'fixtures/'}{anthropic,openai}/*.jsonl`);
  const mock = startProviderMock({ speed: numberOption(values.speed, '--speed', 0, { min: 0 }), cassettes });
  try {
    const results = await checkCassettes(mock);
    for (const r of results) {
      const mark = r.problems.length ? paint('red', 'FAIL', process.stdout) : paint('green', 'ok  ', process.stdout);
      console.log(`${mark} ${r.provider}/${r.name}`);
      for (const p of r.problems) console.log(`     ${p}`);
    }
    const failed = results.filter((r) => r.problems.length).length;
    console.log(`\n${results.length - failed} passed, ${failed} failed`);
    if (failed) process.exitCode = 1;
  } finally {
    mock.close();
  }
});
