/**
 * The chat page in a real headless Chromium (playwright-core, the system's
 * /usr/bin/chromium; never a downloaded browser): text grows in steps while
 * a reply streams, the session and its history survive a reload, an error
 * event is shown, Stop works, and model text is shown as text, never HTML.
 * Skipped with one line when Chromium is absent (unless REQUIRE_BROWSER=1).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, useBrowser } from '../../../test-support/services.ts';
import { testServer, type TestServer } from '../server/test-helpers.ts';

const browserOk = await useBrowser();
export const SCREENSHOT = path.join(tmpdir(), 'milestone-page.png');

describe.skipIf(!browserOk)('milestone web page (headless Chromium)', () => {
  let server: TestServer;
  let context: BrowserContext;
  let page: Page;
  const profile = mkdtempSync(path.join(tmpdir(), 'milestone-chromium-'));

  beforeAll(async () => {
    // Slow enough that the long reply streams for a couple of seconds: growth is visible.
    server = await testServer({ simSpeed: 0.25 });
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
      viewport: { width: 1100, height: 760 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto(server.url);
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await server?.dispose();
    rmSync(profile, { recursive: true, force: true });
  });

  /** No reply in progress: nothing streaming and Send enabled. */
  const idle = () => page.waitForFunction(() => !document.querySelector('.streaming') && !(document.getElementById('send') as HTMLButtonElement).disabled, undefined, { timeout: 30_000 });
  /** Type a message and press Enter, once the page is idle; resolves when the page has taken it. */
  const send = async (text: string) => {
    await idle();
    const before = await page.locator('.msg.user').count();
    await page.fill('#input', text);
    await page.press('#input', 'Enter');
    await page.waitForFunction((n) => document.querySelectorAll('.msg.user').length > n, before);
  };

  it('streams the reply into the page as it arrives: the text grows in many steps', async () => {
    // Record the reply's length at every DOM change, from inside the page.
    await page.evaluate(() => {
      const w = window as unknown as { lengths: number[] };
      w.lengths = [];
      new MutationObserver(() => {
        const bubbles = document.querySelectorAll('.msg.assistant.streaming .text');
        const last = bubbles[bubbles.length - 1];
        if (last) w.lengths.push(last.textContent?.length ?? 0);
      }).observe(document.getElementById('messages') as HTMLElement, { subtree: true, childList: true, characterData: true });
    });
    await send('Explain RAG in detail');
    await idle();
    const lengths = await page.evaluate(() => (window as unknown as { lengths: number[] }).lengths);
    const steps = [...new Set(lengths.filter((n) => n > 0))];
    expect(steps.length, `the text should appear in many steps, saw lengths ${steps.slice(0, 20).join(', ')}`).toBeGreaterThan(20);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    const text = await page.locator('.msg.assistant .text').last().textContent();
    expect(text?.length ?? 0).toBeGreaterThan(1000);
    expect(text).toContain('Retrieval-Augmented Generation');
    expect(await page.textContent('#session')).toMatch(/session [0-9a-f-]{36}/);
    await page.waitForFunction(() => document.querySelector('[data-stat="turns"]')?.textContent === '1');
  }, 60_000);

  it('keeps the session across a reload and shows its history', async () => {
    const before = await page.$$eval('.msg .text', (nodes) => nodes.map((n) => n.textContent));
    const sessionId = await page.evaluate(() => localStorage.getItem('milestone.sessionId'));
    expect(sessionId).toBeTruthy();
    await page.reload();
    await page.waitForFunction(() => document.querySelectorAll('.msg').length === 2);
    expect(await page.$$eval('.msg .text', (nodes) => nodes.map((n) => n.textContent))).toEqual(before);
    expect(await page.evaluate(() => localStorage.getItem('milestone.sessionId'))).toBe(sessionId);
    expect(await page.isHidden('#system-box')).toBe(true);
  }, 30_000);

  it('shows an error event (a rate limit from the simulator) in the reply', async () => {
    await send('[[fault:rate_limit]] Hello again');
    await idle();
    expect(await page.locator('.msg.assistant').last().locator('.error').textContent()).toMatch(/^rate_limit: Too many requests/);
    await page.screenshot({ path: SCREENSHOT });
  }, 30_000);

  it('stops a reply with the Stop button; the part shown is kept, marked interrupted', async () => {
    await send('[[fault:stall]] Explain RAG in detail');
    await page.waitForFunction(() => (document.querySelector('.msg.assistant.streaming .text')?.textContent ?? '').length > 0);
    expect(await page.isEnabled('#stop')).toBe(true);
    await page.click('#stop');
    await idle();
    expect(await page.locator('.msg.assistant').last().locator('.badge').textContent()).toBe('interrupted');
    expect(await page.isDisabled('#stop')).toBe(true);
  }, 30_000);

  it('renders model and user text as text, never as HTML', async () => {
    const nasty = '<img src=x onerror="window.pwned=1"> <b>bold</b> & <script>window.pwned=2</script>';
    await send(nasty);
    await idle();
    expect(await page.$$('#messages img, #messages b, #messages script')).toHaveLength(0);
    expect(await page.locator('.msg.user .text').last().textContent()).toBe(nasty);
    expect(await page.locator('.msg.assistant .text').last().textContent()).toContain('<img src=x');
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
  }, 30_000);
});
