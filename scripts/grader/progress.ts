/**
 * Progress on stderr for long work. On a terminal: one line redrawn in place
 * (a bar in batch mode). Elsewhere (CI logs, pipes): a plain line per event,
 * never control characters.
 */
export interface Progress {
  /** A submission's current stage changed. */
  stage(name: string, stage: string): void;
  /** A submission finished. */
  done(name: string, summary: string): void;
  /** Stop drawing (clear the live line). */
  end(): void;
}

export function createProgress(total: number, stream: NodeJS.WriteStream = process.stderr, quiet = false): Progress {
  if (quiet) return { stage() {}, done() {}, end() {} };
  const live = Boolean(stream.isTTY) && process.env.TERM !== 'dumb';
  const running = new Map<string, string>();
  let finished = 0;
  const started = Date.now();
  const draw = () => {
    if (!live) return;
    const width = Math.max(40, (stream.columns ?? 80) - 1);
    const barWidth = total > 1 ? 20 : 0;
    const filled = total ? Math.round((finished / total) * barWidth) : 0;
    const bar = barWidth ? `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${finished}/${total} ` : '';
    const now = [...running].map(([n, s]) => `${n}: ${s}`).join(', ');
    const line = `${bar}${Math.round((Date.now() - started) / 1000)}s ${now}`;
    stream.write(`\r\u001b[2K${line.slice(0, width)}`);
  };
  const timer = live ? setInterval(draw, 1000) : null;
  timer?.unref();
  return {
    stage(name, stage) {
      running.set(name, stage);
      if (live) draw();
      else stream.write(`${name}: ${stage}...\n`);
    },
    done(name, summary) {
      running.delete(name);
      finished++;
      if (live) stream.write(`\r\u001b[2K`);
      stream.write(`${total > 1 ? `[${finished}/${total}] ` : ''}${name}: ${summary}\n`);
      draw();
    },
    end() {
      if (timer) clearInterval(timer);
      if (live) stream.write('\r\u001b[2K');
    },
  };
}
