/**
 * npm run serve -- [options]: the milestone chat API and its page on
 * 127.0.0.1 (default port 8000), SQLite under ./data, the offline simulator
 * in-process. --help lists every option and its environment variable.
 */
import { parseCommand, paint, runMain } from '../../../scripts/lib/cli.ts';
import { COMMAND, configFrom } from './config.ts';

runMain(async () => {
  const { values } = parseCommand(COMMAND);
  const config = configFrom(values, process.env);
  const { startServer } = await import('./server.ts'); // loaded after --help and flag errors, which then answer at once
  const server = await startServer({ ...config, log: (line) => console.log(line) });
  const out = process.stdout;
  const context = server.app.chat.policy;
  console.log(`${paint('green', 'Milestone chat API', out)} listening on ${server.url}  (open it in a browser for the chat page)`);
  console.log(`  store     ${config.store === 'redis' ? `redis ${config.redisUrl} prefix ${config.redisPrefix}` : `${config.store} ${config.dataDir}/milestone.db`}`);
  console.log(`  provider  ${server.provider.description}`);
  console.log(`  context   ${context.strategy} over ${context.maxTokens} tokens, keep ${context.keepTurns} turns; on disconnect: ${config.onDisconnect}`);
  console.log('  Ctrl+C stops it (running replies get a moment to finish).');

  let stopping = 0;
  const stop = (signal: NodeJS.Signals) => {
    // A second signal forces the exit; one within a second of the first is the same Ctrl+C seen twice
    // (a terminal signals the whole process group, and wrappers such as npm and tsx relay it too).
    if (stopping && Date.now() - stopping < 1000) return;
    if (stopping) {
      console.error(`${signal} again: exiting now.`);
      process.exit(1);
    }
    stopping = Date.now();
    console.log(`${signal}: shutting down...`);
    server.close().then(
      () => {
        console.log('Stopped cleanly.');
        process.exit(0);
      },
      (e: unknown) => {
        console.error(`Shutdown failed: ${e instanceof Error ? e.message : String(e)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
});
