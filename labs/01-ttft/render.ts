/**
 * Presentation: the terminal table and chart, the Markdown report and the
 * conclusion sentence. Colour and Unicode only on a terminal; NO_COLOR
 * (https://no-color.org) turns colour off; a pipe or file gets plain ASCII.
 */
import type { Comparison, Row, Sample, Settings } from './types.ts';

export interface Style {
  colour: boolean;
  unicode: boolean;
}

export function styleFor(stream: NodeJS.WriteStream): Style {
  const tty = Boolean(stream.isTTY) && process.env.TERM !== 'dumb';
  return { colour: tty && !process.env.NO_COLOR, unicode: tty };
}

const codes = { bold: 1, dim: 2, green: 32, yellow: 33, cyan: 36, grey: 90 } as const;
export function paint(style: Style, colour: keyof typeof codes, text: string): string {
  return style.colour ? `\u001b[${codes[colour]}m${text}\u001b[0m` : text;
}

export const seconds = (ms: number): string => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : 'n/a');
const times = (x: number): string => (Number.isFinite(x) ? `${x >= 10 ? x.toFixed(0) : x.toFixed(1)}x` : 'n/a');
const modeLabel = { streaming: 'streaming', blocking: 'not streaming' } as const;

function grid(header: string[], rows: string[][], align: Array<'l' | 'r'>): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (align[i] === 'r' ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

export function table(rows: Row[]): string[] {
  const header = ['provider', 'mode', 'runs', 'first token (median)', 'first token (p90)', 'total (median)', 'total (p90)'];
  const body = rows.map((r) => [r.provider, modeLabel[r.mode], String(r.ttft.n), seconds(r.ttft.median), seconds(r.ttft.p90), seconds(r.total.median), seconds(r.total.p90)]);
  return grid(header, body, ['l', 'l', 'r', 'r', 'r', 'r', 'r']);
}

export function markdownTable(rows: Row[]): string[] {
  const out = ['| provider | mode | runs | first token (median) | first token (p90) | total (median) | total (p90) |', '|---|---|--:|--:|--:|--:|--:|'];
  for (const r of rows) out.push(`| ${r.provider} | ${modeLabel[r.mode]} | ${r.ttft.n} | ${seconds(r.ttft.median)} | ${seconds(r.ttft.p90)} | ${seconds(r.total.median)} | ${seconds(r.total.p90)} |`);
  return out;
}

/**
 * One bar per provider and mode, on a shared time axis: the blank part is
 * time with nothing on screen, the solid part is text arriving. A blocking
 * call is all blank, then everything at once.
 */
export function chart(rows: Row[], style: Style, width = 48): string[] {
  const wait = style.unicode ? '·' : '.';
  const text = style.unicode ? '█' : '#';
  const max = Math.max(...rows.map((r) => r.total.median));
  if (!Number.isFinite(max) || max <= 0) return ['(no timings to chart: at --speed 0 everything is instant)'];
  const scale = (ms: number) => Math.max(0, Math.min(width, Math.round((ms / max) * width)));
  const label = (r: Row) => `${r.provider.padEnd(9)} ${modeLabel[r.mode].padEnd(13)}`;
  const out = [`${' '.repeat(25)}0 s${' '.repeat(width - 3 - seconds(max).length)}${seconds(max)}`];
  for (const r of rows) {
    const first = r.mode === 'blocking' ? scale(r.total.median) - 1 : scale(r.ttft.median);
    const blank = Math.max(0, Math.min(width - 1, first));
    const solid = r.mode === 'blocking' ? 1 : Math.max(1, scale(r.total.median) - blank);
    const bar = paint(style, 'grey', wait.repeat(blank)) + paint(style, r.mode === 'streaming' ? 'green' : 'yellow', text.repeat(solid));
    const pad = ' '.repeat(Math.max(0, width - blank - solid));
    out.push(`${label(r)}  ${bar}${pad}  first token ${seconds(r.ttft.median)}, done ${seconds(r.total.median)}`);
  }
  out.push(`${' '.repeat(25)}${wait} nothing on screen yet   ${text} text on screen`);
  return out;
}

export function compare(rows: Row[]): Comparison[] {
  const out: Comparison[] = [];
  for (const provider of ['anthropic', 'openai'] as const) {
    const s = rows.find((r) => r.provider === provider && r.mode === 'streaming');
    const b = rows.find((r) => r.provider === provider && r.mode === 'blocking');
    if (!s || !b) continue;
    out.push({
      provider,
      firstTokenSooner: b.ttft.median / s.ttft.median,
      totalRatio: s.total.median / b.total.median,
      streamingTtftMs: s.ttft.median,
      streamingTotalMs: s.total.median,
      blockingTotalMs: b.total.median,
    });
  }
  return out;
}

/** What the numbers show, in plain words, computed from the numbers (never assumed). */
export function conclusion(comparisons: Comparison[], settings: Settings): string[] {
  if (comparisons.length === 0) return ['Not enough successful runs to compare streaming with not streaming.'];
  if (settings.speed === 0 && !settings.live) return ['At --speed 0 the simulator answers instantly, so there is nothing to compare. Run with --speed 1 (the default).'];
  const lines: string[] = [];
  for (const c of comparisons) {
    const name = c.provider === 'anthropic' ? 'Anthropic' : 'OpenAI';
    const diff = Math.abs(c.totalRatio - 1) * 100;
    const same = diff <= 10 ? `about the same total time (${seconds(c.streamingTotalMs)} streamed vs ${seconds(c.blockingTotalMs)} not, ${diff.toFixed(0)}% apart)` : `a different total time (${seconds(c.streamingTotalMs)} streamed vs ${seconds(c.blockingTotalMs)} not, ${diff.toFixed(0)}% apart; with few runs or a live API, noise and load show up here)`;
    lines.push(`${name}: the first token arrived ${times(c.firstTokenSooner)} sooner with streaming (${seconds(c.streamingTtftMs)} instead of ${seconds(c.blockingTotalMs)}), for ${same}.`);
  }
  const speedups = comparisons.map((c) => c.firstTokenSooner);
  const lo = Math.min(...speedups);
  const hi = Math.max(...speedups);
  const range = lo >= 10 && hi <= 30 ? 'within the 10-30x you should expect for a long answer' : lo < 10 ? 'less than the usual 10-30x: a shorter answer, a slow first token or a loaded API narrows the gap' : 'more than the usual 10-30x: a longer answer or a very fast first token widens the gap';
  lines.push(`The model is not faster when it streams; the user just stops staring at a blank screen ${seconds(Math.min(...comparisons.map((c) => c.blockingTotalMs - c.streamingTtftMs)))} or more earlier. The first-token gain (${times(lo)}${hi !== lo ? ` to ${times(hi)}` : ''}) is ${range}.`);
  return lines;
}

export function markdownReport(settings: Settings, rows: Row[], comparisons: Comparison[], samples: Sample[], createdAt: string): string {
  const failed = samples.filter((s) => s.error);
  const sources = [...new Set(samples.filter((s) => !s.error).map((s) => s.source))].join(', ');
  return [
    '# Lab 1: time to first token',
    '',
    `Measured ${createdAt}. ${settings.live ? 'Live APIs.' : `Offline provider simulator at speed ${settings.speed}.`} ${settings.runs} run(s) per provider and mode, interleaved. Prompt: "${settings.prompt}". Models: ${settings.providers.map((p) => `${p} ${settings.models[p]}`).join(', ')}. Replies from: ${sources || 'none'}.`,
    '',
    ...markdownTable(rows),
    '',
    '```',
    ...chart(rows, { colour: false, unicode: false }),
    '```',
    '',
    '## What the numbers show',
    '',
    ...conclusion(comparisons, settings).map((l) => `- ${l}`),
    ...(failed.length ? ['', `${failed.length} run(s) failed and are left out: ${[...new Set(failed.map((f) => f.error))].join('; ')}`] : []),
    '',
    'Timings are measured with the streaming module\'s reference `measureTtft` / `measureNonStreaming` (performance.now()). "First token" for a call without streaming is when the whole reply arrived.',
    '',
  ].join('\n');
}
