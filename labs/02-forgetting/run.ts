import path from 'node:path';
import { choiceOption, colourEnabled, numberOption, parseCommand, runMain } from '../../scripts/lib/cli.ts';
import { DEFAULTS, providers, strategies } from './options.ts';

/** npm run lab:forgetting -- [options]: see --help. */
runMain(async () => {
  const { values } = parseCommand({
  name: 'lab:forgetting',
  summary: 'Lab 2: a stateless model forgets; a history remembers; then watch the context window take over',
  usage: 'npm run lab:forgetting -- [--strategy window|summary|none] [--budget <tokens>] [--provider anthropic|openai] [--speed <n>]',
  options: {
    strategy: { type: 'string' },
    budget: { type: 'string' },
    provider: { type: 'string' },
    speed: { type: 'string' },
    'max-tokens': { type: 'string' },
    keep: { type: 'string' },
    out: { type: 'string' },
  },
  help: [
    ['--strategy <name>', `step 3: window (drop old turns), summary (a cheap model summarises them) or none (default ${DEFAULTS.strategy})`],
    ['--budget <tokens>', `step 3: token budget of each request, system prompt and reserved reply included (default ${DEFAULTS.budget})`],
    ['--provider <name>', `anthropic or openai (default ${DEFAULTS.provider})`],
    ['--speed <n>', `simulator time: 0 = instant, 1 = real timing (default ${DEFAULTS.speed})`],
    ['--max-tokens <n>', `reply limit, reserved inside the budget (default ${DEFAULTS.maxTokens})`],
    ['--keep <turns>', 'summary strategy: turns kept word for word at most (default: as many as fit)'],
    ['--out <dir>', 'where to write the JSON results (default labs/02-forgetting/results)'],
  ],
  examples: [
    'npm run lab:forgetting',
    'npm run lab:forgetting -- --strategy summary',
    'npm run lab:forgetting -- --provider openai --budget 900 --speed 1',
  ],
  });
  const options = {
    strategy: choiceOption(values.strategy, '--strategy', strategies, DEFAULTS.strategy),
    provider: choiceOption(values.provider, '--provider', providers, DEFAULTS.provider),
    budget: numberOption(values.budget, '--budget', DEFAULTS.budget, { min: 100, max: 1_000_000 }),
    speed: numberOption(values.speed, '--speed', DEFAULTS.speed, { min: 0, max: 10 }),
    maxTokens: numberOption(values['max-tokens'], '--max-tokens', DEFAULTS.maxTokens, { min: 16, max: 4096 }),
    keepRecent: values.keep === undefined ? undefined : numberOption(values.keep, '--keep', 1, { min: 1, max: 100 }),
    colour: colourEnabled(process.stdout),
    resultsDir: path.resolve(values.out ?? path.join(import.meta.dirname, 'results')),
  };
  // Loaded only now: the SDKs, the simulator and the tokenizers are not needed for --help.
  const { runLab } = await import('./lab.ts');
  await runLab(options);
});
