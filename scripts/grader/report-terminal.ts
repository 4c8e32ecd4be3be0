import { colourEnabled, type Colour } from '../lib/cli.ts';
import type { GradeReport, ItemReport } from './types.ts';

/**
 * The terminal report: one line per checklist item, and under each item that
 * is not met, the evidence, the failing tests' messages and the hint to read
 * next. No colour when NO_COLOR is set or the stream is not a terminal.
 */
export interface TerminalOptions {
  stream?: NodeJS.WriteStream;
  /** Show evidence for met items too. */
  verbose?: boolean;
  width?: number;
}

const codes: Record<Colour, number> = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, grey: 90, bold: 1, dim: 2 };

export function renderTerminal(r: GradeReport, opts: TerminalOptions = {}): string {
  const colour = opts.stream ? colourEnabled(opts.stream) : false;
  const c = (name: Colour, text: string) => (colour ? `\u001b[${codes[name]}m${text}\u001b[0m` : text);
  const width = Math.max(60, Math.min(opts.width ?? opts.stream?.columns ?? 100, 140));
  const clip = (s: string, n = width - 8) => {
    const flat = s.replace(/\s+/g, ' ').trim();
    return flat.length <= n ? flat : `${flat.slice(0, n - 3)}...`;
  };
  const lines: string[] = [];
  const pct = `${r.score.percent}%`;
  lines.push(c('bold', `Grade for ${r.submission.name}: ${fmt(r.score.points)} / ${r.score.max} points (${pct})`));
  const met = r.items.filter((i) => i.status === 'met').length;
  const notGraded = r.items.filter((i) => i.status === 'not-graded').length;
  lines.push(`${met} of ${r.items.length} checklist items met${notGraded ? `, ${notGraded} not graded in this run` : ''}.`);
  if (r.error) lines.push(c('red', `Grading error: ${clip(r.error)}`));
  lines.push('');
  const label = (i: ItemReport) => (i.status === 'met' ? c('green', 'met       ') : i.status === 'not-met' ? c('red', 'NOT MET   ') : c('grey', 'not graded'));
  for (const item of r.items) {
    lines.push(`${label(item)}  ${clip(item.text, width - 30).padEnd(Math.min(width - 30, 72))}  ${fmt(item.score).padStart(5)}/${item.max_score}`);
    if (item.status === 'met' && !opts.verbose) continue;
    const pad = '            ';
    for (const e of item.evidence) lines.push(c('dim', `${pad}${clip(e, width - 14)}`));
    // Quiz and lab failures are already said by the evidence lines; show the failing tests and checks.
    const failing = item.failing.filter((f) => f.kind !== 'quiz' && f.kind !== 'lab');
    for (const f of failing.slice(0, 3)) {
      lines.push(`${pad}${c('red', 'x')} ${clip(f.name, width - 16)}`);
      if (f.message) lines.push(c('dim', `${pad}    ${clip(f.message, width - 18)}`));
    }
    if (failing.length > 3) lines.push(c('dim', `${pad}  ... and more (see the JSON report)`));
    for (const h of item.hints.slice(0, 2)) {
      lines.push(`${pad}${c('cyan', 'read next:')} ${h.readme}, "${h.lesson}" (${h.module}/${h.exercise})`);
      lines.push(c('dim', `${pad}    hint ${h.level}/${h.of}: ${clip(h.text, width - 40)}  [${h.command}]`));
    }
    if (item.failing.some((f) => f.kind === 'quiz')) lines.push(`${pad}${c('cyan', 'next:')} npm run quiz (each answer is explained)`);
  }
  lines.push('');
  const ttft = r.metrics.ttft;
  if (ttft) lines.push(`TTFT: ${ttft.status === 'passed' ? c('green', 'passed') : ttft.status === 'failed' ? c('red', 'failed') : 'not graded'}: ${clip(ttft.message, width - 20)}`);
  const suites = r.metrics.suites.map((s) => `${s.module} ${s.passed}/${s.expected}${s.timedOut ? ' (timed out)' : s.crashed ? ' (crashed)' : ''} in ${(s.durationMs / 1000).toFixed(1)} s`);
  if (suites.length) lines.push(`Suites: ${suites.join(', ')}`);
  if (r.integrity.flags.length) {
    const head = r.integrity.status === 'problem' ? c('red', 'Integrity: problems') : r.integrity.status === 'warning' ? c('yellow', 'Integrity: warnings') : 'Integrity: ok';
    lines.push(head);
    for (const f of r.integrity.flags) {
      lines.push(`  ${f.severity.padEnd(7)} ${clip(f.message, width - 12)}`);
      for (const file of (f.files ?? []).slice(0, 3)) lines.push(c('dim', `            ${clip(file, width - 14)}`));
    }
  } else lines.push('Integrity: ok');
  lines.push(c('dim', `Containment: ${r.containment.level} (network: ${r.containment.network.split(' (')[0]}; redis: ${r.containment.redis.split(',')[0]})`));
  return lines.join('\n');
}

export const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));
