import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { costUSD } from './prices.ts';
import { MODELS, SCRIPT, runLab, type LabResult } from './lab.ts';

/**
 * Lab 2 must show its point every time it runs: a stateless call forgets, a
 * history remembers, a context strategy takes over before turn 20 at a small
 * budget, and a summary keeps the fact the window loses. [lab2-forgetting, llms-stateless]
 */
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'lab2-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function run(options: Parameters<typeof runLab>[0]): Promise<{ result: LabResult; output: string }> {
  const lines: string[] = [];
  const result = await runLab({ speed: 0, write: (l) => lines.push(l), resultsDir: null, ...options });
  return { result, output: lines.join('\n') };
}

describe('Lab 2: observe forgetting', () => {
  it('window: forgets without history, remembers with it, then the window drops the name before turn 20 [lab2-forgetting, llms-stateless]', async () => {
    const dir = tempDir();
    const { result, output } = await run({ provider: 'anthropic', strategy: 'window', budget: 600, resultsDir: dir });
    // Step 1: each call alone; the second does not know the name.
    expect(result.step1.messagesSent).toEqual([1, 1]);
    expect(result.step1.forgot).toBe(true);
    expect(result.step1.replies[1]).toMatch(/I don't know your name/);
    // Step 2: the full array; the second call carries three messages and the answer.
    expect(result.step2.messagesSent).toEqual([1, 3]);
    expect(result.step2.remembered).toBe(true);
    expect(result.step2.replies[1]).toBe('Your name is Ajay. You work with DPDK.');
    // Step 3: 20 turns; the window takes over before the end and turn 1 goes first.
    const turns = result.step3.turns;
    expect(turns).toHaveLength(SCRIPT.length);
    const takeover = result.step3.takeoverTurn!;
    expect(takeover).toBeGreaterThan(1);
    expect(takeover).toBeLessThan(20);
    expect(turns[takeover - 1].newlyDropped[0]).toEqual({ turn: 1, input: SCRIPT[0] });
    expect(turns.slice(0, takeover - 1).every((t) => t.context === 'full' && t.messagesSent === 2 * t.turn - 1)).toBe(true);
    // What is sent stops growing; the history does not.
    const last = turns[turns.length - 1];
    expect(last.fullHistoryTokens).toBeGreaterThan(600);
    expect(last.inputTokens).toBeLessThan(600);
    expect(result.step3.finalRemembered).toBe(false);
    expect(result.step3.finalReply).toMatch(/I don't know your name/);
    // Costs come from the price table and add up.
    expect(turns[0].costUSD).toBeCloseTo(costUSD(MODELS.anthropic.chat, { inputTokens: turns[0].inputTokens, outputTokens: turns[0].outputTokens }), 12);
    expect(result.step3.totalCostUSD).toBeCloseTo(turns.reduce((s, t) => s + t.costUSD, 0), 12);
    expect(result.step3.fullHistoryCostUSD).toBeGreaterThan(result.step3.totalCostUSD);
    expect(result.checks).toEqual({ statelessForgot: true, historyRemembered: true, contextTookOver: true, factSurvived: false });
    expect(result.passed).toBe(true);
    // The printed lesson, with no colour codes when colour is off.
    expect(output).toMatch(/window takes over/);
    expect(output).toMatch(/left out: turn 1 "My name is Ajay/);
    expect(output).not.toMatch(/\u001b\[/);
    // The results a grader reads.
    const saved = JSON.parse(readFileSync(path.join(dir, 'lab2-forgetting.json'), 'utf8')) as LabResult;
    expect(saved.schema).toBe('lab2-forgetting/v1');
    expect(saved.passed).toBe(true);
    expect(saved.step3.takeoverTurn).toBe(takeover);
    expect(JSON.parse(readFileSync(path.join(dir, 'anthropic-window-600.json'), 'utf8'))).toEqual(saved);
  });

  for (const provider of ['anthropic', 'openai'] as const) {
    it(`${provider}, summary: a cheap model summarises the old turns and the name survives to turn 20 [lab2-forgetting, summarisation]`, async () => {
      const { result, output } = await run({ provider, strategy: 'summary', budget: 600 });
      expect(result.step1.forgot).toBe(true);
      expect(result.step2.remembered).toBe(true);
      const turns = result.step3.turns;
      const takeover = result.step3.takeoverTurn!;
      expect(takeover).toBeLessThan(20);
      expect(turns[takeover - 1].context).toBe('summary');
      expect(turns[takeover - 1].summary).toMatch(/The user's name is Ajay/);
      expect(turns[takeover - 1].summariserTokens!.input).toBeGreaterThan(0);
      expect(turns.every((t) => t.context !== 'fallback')).toBe(true);
      expect(result.step3.finalReply).toBe('Your name is Ajay. You work with DPDK.');
      expect(result.checks.factSurvived).toBe(true);
      expect(result.passed).toBe(true);
      expect(result.options.summaryModel).toBe(MODELS[provider].cheap);
      expect(output).toMatch(new RegExp(`summary by ${MODELS[provider].cheap}`));
    });
  }

  it('a budget that is never reached sends everything, and says the lab point was not shown [lab2-forgetting]', async () => {
    const { result, output } = await run({ provider: 'openai', strategy: 'window', budget: 50_000 });
    expect(result.step3.takeoverTurn).toBeNull();
    expect(result.step3.turns.map((t) => t.messagesSent)).toEqual(SCRIPT.map((_, i) => 2 * i + 1));
    expect(result.step3.finalRemembered).toBe(true);
    expect(result.passed).toBe(false);
    expect(output).toMatch(/budget was never reached/);
  });

  it('the command: --help, and a plain-text run that exits 0 and writes its results [lab2-forgetting]', () => {
    const script = path.join(import.meta.dirname, 'run.ts');
    const env = { ...process.env, NO_COLOR: '1' };
    const help = spawnSync(process.execPath, ['--import', 'tsx', script, '--help'], { encoding: 'utf8', env });
    expect(help.status).toBe(0);
    for (const flag of ['--strategy', '--budget', '--provider', '--speed']) expect(help.stdout).toContain(flag);
    const bad = spawnSync(process.execPath, ['--import', 'tsx', script, '--strategy', 'forget-everything'], { encoding: 'utf8', env });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--strategy must be one of window, summary, none/);
    const dir = tempDir();
    const ok = spawnSync(process.execPath, ['--import', 'tsx', script, '--strategy', 'summary', '--out', dir], { encoding: 'utf8', env });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/Step 1/);
    expect(ok.stdout).toMatch(/Step 3/);
    expect(ok.stdout).not.toMatch(/\u001b\[/);
    expect((JSON.parse(readFileSync(path.join(dir, 'lab2-forgetting.json'), 'utf8')) as LabResult).passed).toBe(true);
  }, 60_000);
});
