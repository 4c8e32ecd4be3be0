import path from 'node:path';
import { UsageError, choiceOption, colourEnabled, numberOption, parseCommand, runMain } from '../../scripts/lib/cli.ts';
import { SESSION_ID_PATTERN } from '../../modules/persistence/reference/index.ts';
import { DEFAULTS, DEFAULT_RESULTS_DIR, RESULTS_FILE, defaultDbPath, defaultPrefix, providers, storeKinds } from './options.ts';

/** npm run lab:store -- [options]: see --help. */
runMain(async () => {
  const { values } = parseCommand({
    name: 'lab:store',
    summary: 'Lab 3: save a conversation turn by turn, restart, load it in a new process and continue; then look inside the store',
    usage: 'npm run lab:store -- [--store sqlite|redis|tiered] [--db <file>] [--provider anthropic|openai] [--speed <n>] [--session <id>]',
    options: {
      store: { type: 'string' },
      db: { type: 'string' },
      provider: { type: 'string' },
      speed: { type: 'string' },
      session: { type: 'string' },
      ttl: { type: 'string' },
      prefix: { type: 'string' },
      cleanup: { type: 'boolean' },
      out: { type: 'string' },
    },
    help: [
      ['--store <kind>', `sqlite (a file), redis (a server, sessions expire), or tiered (Redis cache in front of a SQLite archive) (default ${DEFAULTS.store})`],
      ['--db <file>', `SQLite file for sqlite and tiered (default ${path.relative(process.cwd(), defaultDbPath('sqlite'))}, tiered: ${path.basename(defaultDbPath('tiered'))})`],
      ['--provider <name>', `anthropic or openai (default ${DEFAULTS.provider})`],
      ['--speed <n>', `simulator time: 0 = instant, 1 = real timing (default ${DEFAULTS.speed})`],
      ['--session <id>', 'continue an existing session: skip process 1, load it in a new process and ask again'],
      ['--ttl <seconds>', `redis and tiered: a session expires this long after its last write (default ${DEFAULTS.ttlSeconds})`],
      ['--prefix <p>', `redis and tiered: key prefix (default ${defaultPrefix('redis')}, tiered: ${defaultPrefix('tiered')}); Redis URL from REDIS_URL`],
      ['--cleanup', 'delete the session from the store when the lab is done'],
      ['--out <dir>', `where to write ${RESULTS_FILE} (default ${path.relative(process.cwd(), DEFAULT_RESULTS_DIR) || DEFAULT_RESULTS_DIR})`],
    ],
    examples: [
      'npm run lab:store',
      'npm run lab:store -- --store redis',
      'npm run lab:store -- --store tiered --provider openai --speed 1',
      'npm run lab:store -- --store sqlite --session <id printed by an earlier run>',
    ],
  });
  const store = choiceOption(values.store, '--store', storeKinds, DEFAULTS.store);
  if (values.db !== undefined && store === 'redis') throw new UsageError('--db is for --store sqlite or tiered; Redis keeps nothing in a file here.');
  if (store === 'sqlite') {
    if (values.ttl !== undefined) throw new UsageError('--ttl is for --store redis or tiered: SQLite keeps a session until it is deleted.');
    if (values.prefix !== undefined) throw new UsageError('--prefix is for --store redis or tiered (Redis key names).');
  }
  if (values.session !== undefined && !SESSION_ID_PATTERN.test(values.session)) {
    throw new UsageError(`--session must be 1-128 of A-Z a-z 0-9 - _ (an id printed by an earlier run); got "${values.session}"`);
  }
  const options = {
    store,
    provider: choiceOption(values.provider, '--provider', providers, DEFAULTS.provider),
    speed: numberOption(values.speed, '--speed', DEFAULTS.speed, { min: 0, max: 10 }),
    ttlSeconds: numberOption(values.ttl, '--ttl', DEFAULTS.ttlSeconds, { min: 1, max: 30 * 24 * 3600 }),
    db: values.db === undefined ? undefined : path.resolve(values.db),
    prefix: values.prefix,
    session: values.session ?? null,
    cleanup: values.cleanup ?? false,
    colour: colourEnabled(process.stdout),
    resultsDir: path.resolve(values.out ?? DEFAULT_RESULTS_DIR),
  };
  // Loaded only now: the stores and the SDKs are not needed for --help.
  const { runLab } = await import('./lab.ts');
  const result = await runLab(options);
  if (!result.passed) process.exitCode = 1;
});
