import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * Shared command-line plumbing: --help on every command, a clear error for an
 * unknown or malformed flag (exit 2), and colour only where it is welcome.
 */
export interface CommandSpec<O extends NonNullable<ParseArgsConfig['options']>> {
  name: string;
  summary: string;
  usage: string;
  options: O;
  /** One line per option for --help, in order. */
  help: Array<[flag: string, text: string]>;
  allowPositionals?: boolean;
  examples?: string[];
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function helpText<O extends NonNullable<ParseArgsConfig['options']>>(spec: CommandSpec<O>): string {
  const width = Math.max(...spec.help.map(([f]) => f.length), 10);
  const lines = [`${spec.name}: ${spec.summary}`, '', `Usage: ${spec.usage}`, '', 'Options:'];
  for (const [flag, text] of [...spec.help, ['--help', 'show this help'] as [string, string]]) lines.push(`  ${flag.padEnd(width)}  ${text}`);
  if (spec.examples?.length) lines.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}

export function parseCommand<O extends NonNullable<ParseArgsConfig['options']>>(spec: CommandSpec<O>, argv = process.argv.slice(2)) {
  try {
    const parsed = parseArgs({ args: argv, options: { ...spec.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: spec.allowPositionals ?? false, strict: true });
    if ((parsed.values as { help?: boolean }).help) {
      console.log(helpText(spec));
      process.exit(0);
    }
    return parsed;
  } catch (e) {
    fail(`${(e as Error).message}\nRun with --help to see the options.`, 2);
  }
}

/** Print an error that says what was wrong and how to fix it, then exit. */
export function fail(message: string, code = 1): never {
  process.stderr.write(`${paint('red', 'error')}: ${message}\n`);
  process.exit(code);
}

export function numberOption(value: string | undefined, flag: string, fallback: number, { min = -Infinity, max = Infinity } = {}): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(`${flag} must be a number${min > -Infinity ? ` >= ${min}` : ''}${max < Infinity ? ` and <= ${max}` : ''}; got "${value}"`);
  }
  return n;
}

export function choiceOption<T extends string>(value: string | undefined, flag: string, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) throw new UsageError(`${flag} must be one of ${choices.join(', ')}; got "${value}"`);
  return value as T;
}

/** Colour only on a TTY and never when NO_COLOR is set (https://no-color.org). */
export function colourEnabled(stream: NodeJS.WriteStream = process.stdout): boolean {
  return !process.env.NO_COLOR && Boolean(stream.isTTY) && process.env.TERM !== 'dumb';
}

const codes = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, grey: 90, bold: 1, dim: 2 } as const;
export type Colour = keyof typeof codes;

export function paint(colour: Colour, text: string, stream: NodeJS.WriteStream = process.stderr): string {
  return colourEnabled(stream) ? `\u001b[${codes[colour]}m${text}\u001b[0m` : text;
}

/** Run a command's main, turning a UsageError into exit 2 and any other error into a clear message and exit 1. */
export function runMain(main: () => Promise<void>): void {
  main().catch((e: unknown) => {
    if (e instanceof UsageError) fail(`${e.message}\nRun with --help to see the options.`, 2);
    fail(e instanceof Error ? e.message : String(e));
  });
}
